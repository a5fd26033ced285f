import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// X17 beyond docs/PROTOCOL.md's table: huge strings, control characters in headers, a 10,000-character
/// stream id, thousands of headers, clients that send a byte at a time. Each gets the documented answer
/// or a closed connection, and other clients keep being served, on Hummingbird and Vapor alike.
/// Timer-dependent (the slow clients): runs in the second pass of `scripts/test`.
@Suite("Hostile input", .serialized, .tags(.timers))
struct HostileInputTests {
    static let sse = ("Accept", "text/event-stream")

    @Test("X17 a 10,000-character stream id → 400 INVALID_ARGUMENT on POST, GET and DELETE", arguments: Framework.allCases)
    func tenThousandCharacterStreamID(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: BadInputTests.mountFixtures) { port in
            let id = String(repeating: "a", count: 10_000)
            let (head, bytes) = try await BadInputTests.post(
                port, "/streamingEcho", #"{"data":"x"}"#, headers: [Self.sse, ("x-genkit-stream-id", id)])
            #expect(head.status == 400)
            #expect(try FlowCallTests.errorBody(bytes).status == "INVALID_ARGUMENT")
            for method in ["GET", "DELETE"] {
                let answer = try await httpRequest(port: port, method: method, path: "/streamingEcho/streams/\(id)",
                                                   body: nil, timeout: .seconds(10))
                #expect(answer.head.status == 400, "\(method)")
                #expect(try FlowCallTests.errorBody(answer.body).status == "INVALID_ARGUMENT", "\(method)")
            }
            try await BadInputTests.expectHealthy(port)
        }
    }

    @Test("X17 huge strings: a 1 MiB JSON string is served, a 64 KiB header value, path or query is 400 with the connection closed", arguments: Framework.allCases)
    func hugeStrings(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: BadInputTests.mountFixtures) { port in
            // A string filling the body limit is an ordinary input.
            let overhead = #"{"data":""}"#.utf8.count
            let big = String(repeating: "é", count: ((1 << 20) - overhead) / 2)
            let (okHead, okBytes) = try await BadInputTests.post(port, "/echo", #"{"data":"\#(big)"}"#)
            #expect(okHead.status == 200)
            #expect(String(decoding: okBytes, as: UTF8.self) == #"{"result":"Echo: \#(big)"}"#)

            let huge = String(repeating: "a", count: 64 << 10)
            let requests = [
                "POST /echo HTTP/1.1\r\nHost: x\r\nx-genkit-stream-id: \(huge)\r\nContent-Length: 2\r\n\r\n{}",
                "POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: \(huge)\r\nContent-Length: 2\r\n\r\n{}",
                "POST /\(huge) HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
                "POST /echo?\(huge)=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
                "POST /echo HTTP/1.1\r\nHost: x\r\n\(huge): 1\r\nContent-Length: 2\r\n\r\n{}",
            ]
            for request in requests {
                let answer = try await Self.exchange(port, Array(request.utf8))
                #expect(answer.closed, "\(request.prefix(40))")
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(request.prefix(40)): \(answer.text.prefix(120))")
            }
            try await BadInputTests.expectHealthy(port)
        }
    }

    @Test("X17 thousands of headers → 400 with the connection closed; the limit of 100 fields is served", arguments: Framework.allCases)
    func thousandsOfHeaders(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: BadInputTests.mountFixtures) { port in
            func request(headerCount: Int) -> [UInt8] {
                let extra = (0..<headerCount).map { "x-h\($0): v\r\n" }.joined()
                return Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(extra)Content-Length: 12\r\nConnection: close\r\n\r\n{\"data\":\"x\"}"
                    .utf8)
            }
            for count in [97, 3_000, 10_000] {
                let answer = try await Self.exchange(port, request(headerCount: count))
                #expect(answer.closed, "\(count) headers")
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(count) headers: \(answer.text.prefix(120))")
            }
            // 96 extra fields + Host, Content-Type, Content-Length, Connection = 100 fields (97 extra: 101, refused above).
            let atLimit = try await Self.exchange(port, request(headerCount: 96))
            #expect(atLimit.text.hasPrefix("HTTP/1.1 200"), "\(atLimit.text.prefix(120))")
            try await BadInputTests.expectHealthy(port)
        }
    }

    @Test("X17 control characters in header names and values → 400 with the connection closed, never a crash", arguments: Framework.allCases)
    func controlCharactersInHeaders(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: BadInputTests.mountFixtures) { port in
            let controls: [UInt8] = [0x00, 0x01, 0x07, 0x08, 0x0B, 0x0C, 0x0D, 0x1B, 0x1F, 0x7F]
            for control in controls {
                for header in ["x-genkit-stream-id", "Last-Event-ID", "Authorization", "Accept"] {
                    let inValue = Array("POST /streamingEcho HTTP/1.1\r\nHost: x\r\n\(header): ab".utf8) + [control]
                        + Array("cd\r\nContent-Length: 12\r\n\r\n{\"data\":\"x\"}".utf8)
                    let answer = try await Self.exchange(port, inValue)
                    #expect(answer.text.hasPrefix("HTTP/1.1 400"), "0x\(String(control, radix: 16)) in \(header): \(answer.text.prefix(80))")
                    #expect(answer.closed)
                }
                let inName = Array("POST /echo HTTP/1.1\r\nHost: x\r\nx-a".utf8) + [control]
                    + Array("b: 1\r\nContent-Length: 12\r\n\r\n{\"data\":\"x\"}".utf8)
                let answer = try await Self.exchange(port, inName)
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "0x\(String(control, radix: 16)) in a name: \(answer.text.prefix(80))")
                #expect(answer.closed)
            }
            try await BadInputTests.expectHealthy(port)
        }
    }

    @Test("X17 clients sending their request a byte at a time are cut off at the read deadline while other clients keep being served", arguments: Framework.allCases)
    func slowClientsAreCutOff(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.requestReadDeadline = .seconds(1) },
                                 flows: BadInputTests.mountFixtures) { port in
            let body = #"{"data":"slow"}"#
            let head = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n"
            // Slow head (a byte every 100 ms: ~10 s to send) and slow body (the head at once, then a byte
            // every 100 ms): both are disconnected about 1 s after their first byte, with no answer.
            let slowHead = Task { try await Self.dribble(port, pace: .milliseconds(100), Array((head + body).utf8)) }
            let slowBody = Task { try await Self.dribble(port, pace: .milliseconds(100), Array(body.utf8), first: Array(head.utf8)) }
            // Meanwhile others are served, one after another.
            var served = 0
            let start = ContinuousClock.now
            while ContinuousClock.now - start < .milliseconds(1500) {
                try await BadInputTests.expectHealthy(port)
                served += 1
            }
            #expect(served >= 5)
            for (name, task) in [("slow head", slowHead), ("slow body", slowBody)] {
                let outcome = try await task.value
                #expect(outcome.closed, "\(name) was disconnected")
                #expect(outcome.received.isEmpty, "\(name) got no answer: \(outcome.received.prefix(80))")
                #expect(outcome.after >= .milliseconds(900) && outcome.after < .seconds(5), "\(name) cut after \(outcome.after)")
            }
            // A client a little slow but done within the deadline is answered.
            // (about 170 bytes at 2 ms: a third of the deadline, so a loaded machine still finishes in time)
            let brisk = try await Self.dribble(port, pace: .milliseconds(2), Array((head + body).utf8))
            #expect(String(decoding: brisk.received, as: UTF8.self).hasSuffix(#"{"result":"Echo: slow"}"#))
        }
    }

    // MARK: Helpers

    /// Sends `bytes`, returns what came back until the server closed (or 10 s) and whether it closed.
    static func exchange(_ port: Int, _ bytes: [UInt8]) async throws -> (text: String, closed: Bool) {
        let connection = try await RawTCPConnection.connect(port: port)
        try? await connection.send(bytes)  // the server may close before reading everything
        let (received, closed) = await connection.readUntilClose(timeout: .seconds(10))
        await connection.close()
        return (String(decoding: received, as: UTF8.self), closed)
    }

    /// Sends `first` at once, then `bytes` one at a time every `pace`, until all are sent or the server
    /// closes; then waits (up to 10 s) for the server to answer and close.
    /// - Returns: What the server sent, whether it closed, and when (since the first byte).
    static func dribble(
        _ port: Int, pace: Duration, _ bytes: [UInt8], first: [UInt8] = []
    ) async throws -> (received: [UInt8], closed: Bool, after: Duration) {
        let connection = try await RawTCPConnection.connect(port: port)
        let start = ContinuousClock.now
        let sender = Task {
            if !first.isEmpty { try await connection.send(first) }
            for byte in bytes {
                try await connection.send([byte])
                try await Task.sleep(for: pace)
            }
        }
        let (received, closed) = await connection.readUntilClose(timeout: .seconds(20))
        let after = ContinuousClock.now - start
        sender.cancel()
        _ = await sender.result
        await connection.close()
        return (received, closed, after)
    }
}
