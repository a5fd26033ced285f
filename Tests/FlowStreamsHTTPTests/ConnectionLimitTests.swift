import FlowStreams
import FlowStreamsTesting
import Foundation
import MetricsTestKit
import TestSupport
import Testing

/// X17, file descriptors: connections are capped below the process's file limit; at the cap the
/// connection idle the longest makes room, a new one is closed at once when all are busy, and an
/// accept that fails for want of files is retried after a pause, not at once in a loop. On
/// Hummingbird and Vapor alike. Load on loopback, bounded: runs in the one-at-a-time pass of `scripts/test`.
@Suite("Connection limit", .serialized, .tags(.childProcesses))
struct ConnectionLimitTests {
    static let sse = ("Accept", "text/event-stream")

    @Test("X17 at maximumConnections the connection idle the longest is closed for a new one; when all are busy the new one is closed at once; both are counted",
          arguments: Framework.allCases)
    func idleConnectionsMakeRoom(framework: Framework) async throws {
        let metrics = TestMetrics()
        try await withFlowServer(framework: framework, configure: {
            $0.maximumConnections = 3
            $0.runner.metrics = FlowMetrics(factory: metrics)
        }, flows: { $0.addFlow(Fixtures.counter(name: "slow", delay: .seconds(1))) }) { port in
            var idle: [RawTCPConnection] = []
            for _ in 0..<3 { idle.append(try await Self.connectAndWaitUntilOpen(port: port, metrics: metrics)) }
            // A fourth: the first (idle the longest) is closed, the others stay.
            let fourth = try await RawTCPConnection.connect(port: port)
            let (_, firstClosed) = await idle[0].readUntilClose(timeout: .seconds(5))
            #expect(firstClosed)
            for connection in idle[1...] + [fourth] {
                let (_, closed) = await connection.readUntilClose(timeout: .milliseconds(200))
                #expect(!closed)
            }
            // All three busy with a stream: a fifth is closed at once, unanswered.
            for connection in idle[1...] + [fourth] {
                try await connection.send(Self.slowRun)
                #expect(await connection.waitForBytes(containing: "\r\n\r\n", timeout: .seconds(10)))
            }
            let fifth = try await RawTCPConnection.connect(port: port)
            try? await fifth.send(Self.slowRun)
            let (answer, fifthClosed) = await fifth.readUntilClose(timeout: .seconds(5))
            #expect(fifthClosed && answer.isEmpty)
            let labels = FlowMetrics.Label.self
            #expect(try metrics.expectCounter(labels.connectionsOverLimit, [("closed", "idle")]).totalValue == 1)
            #expect(try metrics.expectCounter(labels.connectionsOverLimit, [("closed", "new")]).totalValue == 1)
            for connection in idle + [fourth, fifth] { await connection.close() }
        }
    }

    @Test("X17 file descriptors: 400 idle connections to a server limited to 256 files; its CPU stays under 20% of a core and a normal stream succeeds within 1 s",
          arguments: Framework.allCases)
    func descriptorFlood(framework: Framework) async throws {
        let server = try await ChildProcess.start(
            product: "flowstreams-fixture-server",
            arguments: ["--framework", framework.rawValue, "--file-limit", "256", "--log-level", "error"])
        let port = try await server.waitForListening(timeout: .seconds(30))
        let flood = try await Self.flood(port: port, connections: 400)
        let cpu = try await Self.cpuShare(of: server, over: .seconds(3))
        #expect(cpu < 0.2, "the flooded server used \(cpu * 100)% of a core")
        let start = ContinuousClock.now
        let stream = try await httpRequest(port: port, path: "/counter", headers: [Self.sse], body: #"{"data":3}"#)
        let elapsed = ContinuousClock.now - start
        #expect(stream.head.status == 200)
        #expect(String(decoding: stream.body, as: UTF8.self).hasSuffix(#"data: {"result":"done: 3, streamed: 3 times"}"# + "\n\n"))
        #expect(elapsed < .seconds(1), "a stream during the flood took \(elapsed)")
        print("fd flood on \(framework): \(cpu * 100)% of a core while flooded, a stream in \(elapsed)")
        for connection in flood { await connection.close() }
        try await server.stop()
    }

    @Test("X17 file descriptors run out (maximumConnections above the file limit): accepting backs off, the CPU stays under 20% of a core, and the server serves again once the flood ends",
          arguments: Framework.allCases)
    func acceptBacksOff(framework: Framework) async throws {
        let server = try await ChildProcess.start(
            product: "flowstreams-fixture-server",
            arguments: ["--framework", framework.rawValue, "--file-limit", "256", "--max-connections", "100000",
                        "--log-level", "critical"])
        let port = try await server.waitForListening(timeout: .seconds(30))
        let flood = try await Self.flood(port: port, connections: 400)
        let cpu = try await Self.cpuShare(of: server, over: .seconds(3))
        #expect(cpu < 0.2, "the server out of files used \(cpu * 100)% of a core")
        print("accept errors on \(framework): \(cpu * 100)% of a core")
        for connection in flood { await connection.close() }
        try await waitUntil(timeout: .seconds(10), "the server serves again") {
            let answer = try? await httpRequest(port: port, path: "/echo", body: #"{"data":"x"}"#, timeout: .seconds(2))
            return answer?.head.status == 200
        }
        try await server.stop()
    }

    // MARK: Helpers

    static let slowRun = Array(
        "POST /slow HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{\"data\":600}"
            .utf8)

    /// Connects and waits until the server counts the connection as open.
    static func connectAndWaitUntilOpen(port: Int, metrics: TestMetrics) async throws -> RawTCPConnection {
        let before = try metrics.expectMeter(FlowMetrics.Label.openConnections).lastValue ?? 0
        let connection = try await RawTCPConnection.connect(port: port)
        try await waitUntil(timeout: .seconds(5), "the server took the connection") {
            (try metrics.expectMeter(FlowMetrics.Label.openConnections).lastValue ?? 0) > before
        }
        return connection
    }

    /// `connections` connections that send nothing.
    static func flood(port: Int, connections: Int) async throws -> [RawTCPConnection] {
        var flood: [RawTCPConnection] = []
        for _ in 0..<connections { flood.append(try await RawTCPConnection.connect(port: port)) }
        return flood
    }

    /// The share of one core `server` used over `window`.
    static func cpuShare(of server: ChildProcess, over window: Duration) async throws -> Double {
        let start = ContinuousClock.now
        let before = try #require(processCPUTime(pid: server.pid))
        try await Task.sleep(for: window)  // a measuring window, not a wait for an event
        let after = try #require(processCPUTime(pid: server.pid))
        return (after - before) / (ContinuousClock.now - start)
    }
}
