import FlowStreams
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// X17, connections closed as HTTP says: after a streaming answer (`Connection: close`) nothing
/// pipelined behind it runs; an HTTP/1.0 request without keep-alive is answered and closed; a
/// keep-alive connection carries pipelined plain requests in order. Hummingbird and Vapor alike.
/// Timer-dependent (an HTTP/1.0 connection closed within 2 s): runs in the second pass of `scripts/test`.
@Suite("Connection reuse", .serialized, .tags(.timers))
struct ConnectionReuseTests {
    static let body = #"{"data":2}"#

    static func post(_ path: String, version: String = "1.1", _ headers: String = "", body: String = body) -> String {
        "POST \(path) HTTP/\(version)\r\nHost: x\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test("X17 two pipelined streaming POSTs: the first is answered with Connection: close, then the connection closes and the second never runs",
          arguments: Framework.allCases)
    func pipelinedStreamingPosts(framework: Framework) async throws {
        let logs = LogCapture()
        try await withFlowServer(framework: framework, logs: logs, flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let connection = try await RawTCPConnection.connect(port: port)
            let request = Self.post("/counter", "Accept: text/event-stream\r\n")
            let start = ContinuousClock.now
            try await connection.send(Array((request + request).utf8))
            let (bytes, closed) = await connection.readUntilClose(timeout: .seconds(10))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(closed, "the connection was closed")
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(text.components(separatedBy: "HTTP/1.1 200").count == 2, "one answer: \(text)")
            #expect(Self.headerValues(text, "connection") == ["close"], "\(text.prefix(300))")
            #expect(text.contains(#"data: {"result":"done: 2, streamed: 2 times"}"# + "\n\n"), "\(text.suffix(120))")
            #expect(text.hasSuffix("\r\n0\r\n\r\n"), "the chunked body ended: \(text.suffix(40))")
            await connection.close()
        }
        // The server has stopped: every request it ever passed on has been handled.
        #expect(logs.all.filter { $0.contains("durable stream started") }.count == 1)
    }

    @Test("X17 an HTTP/1.0 POST without keep-alive is answered and closed at once; with keep-alive it stays open",
          arguments: Framework.allCases)
    func http10(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: { $0.addFlow(Fixtures.echo) }) { port in
            let echo = #"{"data":"old"}"#
            let plain = try await RawTCPConnection.connect(port: port)
            let start = ContinuousClock.now
            try await plain.send(Array(Self.post("/echo", version: "1.0", body: echo).utf8))
            let (bytes, closed) = await plain.readUntilClose(timeout: .seconds(10))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(closed && ContinuousClock.now - start < .seconds(2), "closed after \(ContinuousClock.now - start)")
            #expect(text.hasSuffix(#"{"result":"Echo: old"}"#), "\(text)")
            #expect(Self.headerValues(text, "connection") == ["close"], "\(text)")
            await plain.close()

            let kept = try await RawTCPConnection.connect(port: port)
            try await kept.send(Array(Self.post("/echo", version: "1.0", "Connection: keep-alive\r\n", body: echo).utf8))
            #expect(await kept.waitForBytes(containing: #"{"result":"Echo: old"}"#, timeout: .seconds(10)))
            let (_, keptClosed) = await kept.readUntilClose(timeout: .milliseconds(500))
            #expect(!keptClosed, "a keep-alive HTTP/1.0 connection stays open")
            await kept.close()
        }
    }

    @Test("X17 pipelined plain POSTs on a keep-alive connection are all answered, in order", arguments: Framework.allCases)
    func pipelinedPlainPosts(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: { $0.addFlow(Fixtures.echo) }) { port in
            let connection = try await RawTCPConnection.connect(port: port)
            let requests = (0..<3).map { Self.post("/echo", body: #"{"data":"\#($0)"}"#) }.joined()
                + Self.post("/echo", "Connection: close\r\n", body: #"{"data":"last"}"#)
            try await connection.send(Array(requests.utf8))
            let (bytes, closed) = await connection.readUntilClose(timeout: .seconds(10))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(closed, "closed after the request that asked for it")
            let results = text.components(separatedBy: #"{"result":"Echo: "#).dropFirst().map { $0.prefix { $0 != "\"" } }
            #expect(results == ["0", "1", "2", "last"], "\(text)")
            await connection.close()
        }
    }

    @Test("X17 a large request pipelined behind a slow answer waits unread, its read deadline stopped, and is answered next",
          arguments: Framework.allCases)
    func pipelinedBehindSlowAnswer(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.requestReadDeadline = .seconds(1) }, flows: {
            $0.addFlow(Fixtures.bulk)
            $0.addFlow(Fixtures.echo)
        }) { port in
            let connection = try await RawTCPConnection.connect(port: port)
            let slow = Self.post("/bulk", body: #"{"data":{"chunks":2,"size":20,"delayMilliseconds":800}}"#)
            let large = String(repeating: "a", count: 512 << 10)
            let next = Self.post("/echo", "Connection: close\r\n", body: #"{"data":"\#(large)"}"#)
            try await connection.send(Array((slow + next).utf8))
            let (bytes, closed) = await connection.readUntilClose(timeout: .seconds(20))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(closed)
            #expect(text.contains(#"{"result":2}"#), "\(text.prefix(300))")
            #expect(text.hasSuffix(#"{"result":"Echo: \#(large)"}"#), "\(text.suffix(80))")
            await connection.close()
        }
    }

    /// The values of a header in every response head of `text`, lower-cased.
    static func headerValues(_ text: String, _ name: String) -> [String] {
        text.components(separatedBy: "\r\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == name else { return nil }
            return parts[1].trimmingCharacters(in: .whitespaces).lowercased()
        }
    }
}
