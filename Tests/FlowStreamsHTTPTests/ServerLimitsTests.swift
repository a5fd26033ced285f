import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// The limits of the README's "Limits" table: their defaults, the stream-length limit, and the
/// connection limits (header size and count, read deadline, idle timeout), the same on Hummingbird
/// and Vapor, which must never cut a legitimate silent response. Timer-dependent: runs in the
/// second pass of `scripts/test`.
@Suite("Server limits", .serialized, .tags(.timers))
struct ServerLimitsTests {
    static let sse = [("Accept", "text/event-stream")]
    static let tooLong = #"data: {"error":{"status":"RESOURCE_EXHAUSTED","message":"Stream exceeds limit."}}"#

    @Test("Limits: the documented defaults (headers 16 KiB / 100 fields, body 1 MiB, chunk 1 MiB, stream 10^6 chunks / 1 GiB, read deadline 10 s, idle 60 s, connections from the file limit, 100 running streams per client, grace 30 s, retry 1000 ms, no CORS)")
    func defaults() {
        let server = FlowServer.Configuration()
        #expect(server.maximumHeaderBytes == 16 * 1024)
        #expect(server.maximumHeaderCount == 100)
        #expect(server.bodyLimit == 1 << 20)
        #expect(server.requestReadDeadline == .seconds(10))
        #expect(server.idleTimeout == .seconds(60))
        #expect(server.gracePeriod == .seconds(30))
        #expect(server.retryMilliseconds == 1000)
        #expect(server.cors == .disabled)
        #expect(server.clientAddressHeader == nil)
        #expect(server.maximumConnections == nil)
        // The file limit less an eighth of it, at least 64 and at most 1024 files kept.
        #expect(server.resolvedMaximumConnections(fileLimit: 256) == 192)
        #expect(server.resolvedMaximumConnections(fileLimit: 1024) == 896)
        #expect(server.resolvedMaximumConnections(fileLimit: 1 << 20) == (1 << 20) - 1024)
        let runner = FlowRunner.Configuration()
        #expect(runner.maximumChunkBytes == 1 << 20)
        #expect(runner.maximumStreamChunks == 1_000_000)
        #expect(runner.maximumStreamBytes == 1 << 30)
        #expect(runner.maximumRunningStreams == 10_000)
        #expect(runner.maximumRunningStreamsPerPrincipal == 100)
        #expect(runner.maximumRunningStreamsPerClient == 100)
    }

    @Test("Limits: header size, header count, request read deadline and idle timeout, the same on both frameworks",
          arguments: Framework.allCases)
    func connectionLimits(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: {
            $0.maximumHeaderBytes = 2048
            $0.maximumHeaderCount = 20
            $0.requestReadDeadline = .seconds(1)
            $0.idleTimeout = .milliseconds(800)
        }, flows: { $0.addFlow(Fixtures.echo) }) { port in
            let body = #"{"data":"hi"}"#
            func request(_ extra: String) -> [UInt8] {
                Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8)
            }
            // Header size: a 1 KiB field is served, a 4 KiB one (or 2.5 KiB in all) is 400 with the connection closed.
            let fits = try await HostileInputTests.exchange(port, request("x-a: \(String(repeating: "a", count: 1024))\r\n"))
            #expect(fits.text.hasSuffix(#"{"result":"Echo: hi"}"#), "\(fits.text.prefix(120))")
            for extra in ["x-a: \(String(repeating: "a", count: 4096))\r\n",
                          "x-a: \(String(repeating: "a", count: 1300))\r\nx-b: \(String(repeating: "b", count: 1300))\r\n"] {
                let answer = try await HostileInputTests.exchange(port, request(extra))
                #expect(answer.text.hasPrefix("HTTP/1.1 400"), "\(answer.text.prefix(120))")
                #expect(answer.text.hasSuffix("\r\n\r\n"), "an empty body: \(answer.text.prefix(200))")
                #expect(answer.closed)
            }
            // Header count: 16 extra fields + Host, Content-Type, Content-Length, Connection = 20 are served, 17 are not.
            func fields(_ count: Int) -> String { (0..<count).map { "x-h\($0): v\r\n" }.joined() }
            let atLimit = try await HostileInputTests.exchange(port, request(fields(16)))
            #expect(atLimit.text.hasPrefix("HTTP/1.1 200"), "\(atLimit.text.prefix(120))")
            let overLimit = try await HostileInputTests.exchange(port, request(fields(17)))
            #expect(overLimit.text.hasPrefix("HTTP/1.1 400") && overLimit.closed, "\(overLimit.text.prefix(120))")

            // Read deadline: a head sent a byte every 100 ms is cut about 1 s after its first byte, unanswered.
            let slow = try await HostileInputTests.dribble(port, pace: .milliseconds(100), request(""))
            #expect(slow.closed && slow.received.isEmpty, "\(slow.received.prefix(80))")
            #expect(slow.after >= .milliseconds(900) && slow.after < .seconds(5), "cut after \(slow.after)")

            // Idle: a connection that never sends a byte, and a keep-alive one after its answer, are closed.
            let silent = try await RawTCPConnection.connect(port: port)
            let start = ContinuousClock.now
            let (nothing, silentClosed) = await silent.readUntilClose(timeout: .seconds(10))
            #expect(silentClosed && nothing.isEmpty)
            let idleFor = ContinuousClock.now - start
            #expect(idleFor >= .milliseconds(700) && idleFor < .seconds(5), "closed after \(idleFor)")
            let keepAlive = try await RawTCPConnection.connect(port: port)
            try await keepAlive.send(Array(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8))
            let (answered, keepAliveClosed) = await keepAlive.readUntilClose(timeout: .seconds(10))
            #expect(String(decoding: answered, as: UTF8.self).hasSuffix(#"{"result":"Echo: hi"}"#))
            #expect(keepAliveClosed, "the idle keep-alive connection was closed")
        }
    }

    @Test("Limits: a flow sending more than maximumStreamChunks ends RESOURCE_EXHAUSTED \"Stream exceeds limit.\" after the chunks that fit",
          arguments: [true, false])
    func streamChunkLimit(durable: Bool) async throws {
        try await withFlowServer(streamManager: durable ? InMemoryStreamManager() : nil,
                                 configure: { $0.runner.maximumStreamChunks = 5 },
                                 flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let expected = (0..<5).map { #"data: {"message":{"count":\#($0)}}"# } + [Self.tooLong]
            let run = try await httpRequest(port: port, path: "/counter", headers: Self.sse, body: #"{"data":10}"#)
            #expect(Self.frames(run.body) == expected)
            // Exactly at the limit is fine.
            let fits = try await httpRequest(port: port, path: "/counter", headers: Self.sse, body: #"{"data":5}"#)
            #expect(Self.frames(fits.body).last == #"data: {"result":"done: 5, streamed: 5 times"}"#)
            guard durable else { return }
            // The stored stream ends the same way for a later reader.
            let id = try #require(run.head.header("x-genkit-stream-id"))
            let replay = try await httpRequest(port: port, path: "/counter",
                                               headers: Self.sse + [("x-genkit-stream-id", id)], body: "{}")
            #expect(replay.body == run.body)
        }
    }

    @Test("Limits: a flow sending more than maximumStreamBytes in all ends RESOURCE_EXHAUSTED \"Stream exceeds limit.\"",
          arguments: [true, false])
    func streamByteLimit(durable: Bool) async throws {
        try await withFlowServer(streamManager: durable ? InMemoryStreamManager() : nil,
                                 configure: { $0.runner.maximumStreamBytes = 250 },
                                 flows: { $0.addFlow(Fixtures.bulk) }) { port in
            // Chunks of 100 bytes (102 encoded, with quotes): two fit in 250 bytes, the third does not.
            let run = try await httpRequest(port: port, path: "/bulk", headers: Self.sse,
                                            body: #"{"data":{"chunks":5,"size":100}}"#)
            let frames = Self.frames(run.body)
            #expect(frames.count == 3, "\(frames.map { $0.prefix(30) })")
            #expect(frames.first?.hasPrefix(#"data: {"message":"0:"#) == true)
            #expect(frames.last == Self.tooLong)
        }
    }

    @Test("Limits: requestReadDeadline and idleTimeout never cut a silent response, streaming or not",
          arguments: Framework.allCases)
    func silentResponsesOutliveConnectionTimers(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: {
            $0.requestReadDeadline = .milliseconds(300)
            $0.idleTimeout = .milliseconds(300)
        }, flows: { $0.addFlow(Fixtures.bulk) }) { port in
            let input = #"{"data":{"chunks":2,"size":20,"delayMilliseconds":1000}}"#
            let streamed = try await httpRequest(port: port, path: "/bulk", headers: Self.sse, body: input)
            #expect(Self.frames(streamed.body).last == #"data: {"result":2}"#)
            let optedIn = try await httpRequest(port: port, path: "/bulk",
                                                headers: Self.sse + [("x-flowstreams-sse", "1")], body: input)
            #expect(Self.frames(optedIn.body).last?.hasSuffix(#"data: {"result":2}"#) == true)
            let plain = try await httpRequest(port: port, path: "/bulk", headers: [("Content-Type", "application/json")],
                                              body: input)
            #expect(plain.head.status == 200)
            #expect(String(decoding: plain.body, as: UTF8.self) == #"{"result":2}"#)
        }
    }

    @Test("Limits: idleTimeout closes a keep-alive connection idle after its response, and one that never sent a byte",
          arguments: Framework.allCases)
    func idleTimeoutClosesIdleConnections(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.idleTimeout = .milliseconds(500) },
                                 flows: { $0.addFlow(Fixtures.echo) }) { port in
            let body = #"{"data":"hi"}"#
            let keepAlive = try await RawTCPConnection.connect(port: port)
            let start = ContinuousClock.now
            try await keepAlive.send(Array(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
                    .utf8))
            let (bytes, closed) = await keepAlive.readUntilClose(timeout: .seconds(10))
            let elapsed = ContinuousClock.now - start
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.1 200"), "\(text)")
            #expect(text.hasSuffix(#"{"result":"Echo: hi"}"#), "\(text)")
            #expect(closed, "the idle keep-alive connection was closed")
            #expect(elapsed >= .milliseconds(400) && elapsed < .seconds(5), "closed after \(elapsed)")

            let silent = try await RawTCPConnection.connect(port: port)
            let (nothing, silentClosed) = await silent.readUntilClose(timeout: .seconds(10))
            #expect(silentClosed && nothing.isEmpty)
        }
    }

    /// The `\n\n`-separated frames of an SSE body.
    static func frames(_ body: [UInt8]) -> [String] {
        String(decoding: body, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }
    }
}
