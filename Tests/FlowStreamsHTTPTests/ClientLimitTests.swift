import FlowStreams
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// X17, one anonymous client cannot take every running-stream place: callers without a principal
/// are counted per address (the remote one, or the trusted proxy's header), on Hummingbird and
/// Vapor alike. Load on loopback, bounded in count and time: runs in the one-at-a-time pass of `scripts/test`.
@Suite("Running streams per client", .serialized, .tags(.childProcesses))
struct ClientLimitTests {
    static let sse = [("Accept", "text/event-stream")]

    @Test("X17 10,050 anonymous hang-ups from one address leave room for a stream from another address; every 429 says Retry-After",
          arguments: Framework.allCases)
    func hangUpsFromOneAddress(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: {
            $0.addFlow(Fixtures.counter(name: "slow", delay: .seconds(1)))
            $0.addFlow(Fixtures.counter())
        }) { port in
            let start = ContinuousClock.now
            let statuses = try await withTimeout(.seconds(240)) {
                try await Self.hangUps(port: port, count: 10_050, concurrently: 16)
            }
            let elapsed = ContinuousClock.now - start
            #expect(statuses[200] == 100, "\(statuses)")
            #expect(statuses[429] == 9_950, "\(statuses)")
            print("10,050 hang-ups on \(framework): \(statuses), in \(elapsed)")

            // The next one from that address is refused, with Retry-After and the error body...
            let refused = try await Self.startStream(port: port, from: "127.0.0.1", path: "/slow", readToEnd: true)
            #expect(refused.hasPrefix("HTTP/1.1 429"), "\(refused.prefix(80))")
            #expect(ConnectionReuseTests.headerValues(refused, "retry-after") == ["1"], "\(refused)")
            #expect(refused.hasSuffix(#"{"status":"RESOURCE_EXHAUSTED","message":"Too many running streams."}"#))
            // ...while another address streams to the end.
            let other = try await Self.startStream(port: port, from: "127.0.0.2", path: "/counter", readToEnd: true)
            #expect(other.hasPrefix("HTTP/1.1 200"), "\(other.prefix(80))")
            #expect(other.contains(#"data: {"result":"done: 2, streamed: 2 times"}"# + "\n\n"), "\(other.suffix(80))")
            #expect(other.hasSuffix("\r\n0\r\n\r\n"), "the chunked body ended: \(other.suffix(40))")
        }
    }

    @Test("X17 behind a trusted proxy the last X-Forwarded-For entry names the client; without the setting the header is ignored",
          arguments: Framework.allCases)
    func forwardedFor(framework: Framework) async throws {
        let slow = Fixtures.counter(name: "slow", delay: .seconds(1))
        try await withFlowServer(framework: framework, configure: {
            $0.runner.maximumRunningStreamsPerClient = 2
            $0.clientAddressHeader = "X-Forwarded-For"
        }, flows: { $0.addFlow(slow) }) { port in
            var statuses: [Int] = []
            for forwardedFor in ["203.0.113.5", "198.51.100.1, 203.0.113.5", "203.0.113.5", "203.0.113.5, 203.0.113.6"] {
                statuses.append(try await Self.httpStatus(port: port, headers: Self.sse + [("X-Forwarded-For", forwardedFor)]))
            }
            // The last entry is what the proxy saw; a client cannot claim another's by sending one before it.
            #expect(statuses == [200, 200, 429, 200])
        }
        try await withFlowServer(framework: framework, configure: { $0.runner.maximumRunningStreamsPerClient = 2 },
                                 flows: { $0.addFlow(slow) }) { port in
            var statuses: [Int] = []
            for index in 0..<3 {
                statuses.append(try await Self.httpStatus(port: port, headers: Self.sse + [("X-Forwarded-For", "203.0.113.\(index)")]))
            }
            #expect(statuses == [200, 200, 429], "every request came from 127.0.0.1")
        }
    }

    @Test("X17 callers with a principal count against their principal, not their address", arguments: Framework.allCases)
    func principalsAreNotCountedPerAddress(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.runner.maximumRunningStreamsPerClient = 1 }, flows: {
            $0.addFlow(Fixtures.counter(name: "slow", delay: .seconds(1)), contextProvider: Fixtures.userProvider)
        }) { port in
            for user in ["alice", "bob", "carol"] {
                let status = try await Self.httpStatus(port: port, headers: Self.sse + [("Authorization", "user-\(user)")])
                #expect(status == 200, "\(user)")
            }
        }
    }

    // MARK: Helpers

    /// Starts a run of `/slow` and hangs up as soon as the answer's head arrived.
    /// - Returns: The status of the answer.
    private static func httpStatus(port: Int, headers: [(String, String)]) async throws -> Int {
        let connection = try await TestHTTPConnection.open(
            port: port, method: "POST", path: "/slow", headers: headers, body: Array(#"{"data":600}"#.utf8))
        let status = connection.head.status
        await connection.close()
        return status
    }

    /// `count` clients from 127.0.0.1, `concurrently` at a time, each starting a 10-minute run and
    /// hanging up after the answer's head.
    /// - Returns: How many answers had each status.
    static func hangUps(port: Int, count: Int, concurrently: Int) async throws -> [Int: Int] {
        try await withThrowingTaskGroup(of: Int.self) { group in
            var statuses: [Int: Int] = [:]
            var started = 0
            func startNext() {
                guard started < count else { return }
                started += 1
                group.addTask { try await Self.hangUp(port: port) }
            }
            for _ in 0..<concurrently { startNext() }
            while let status = try await group.next() {
                statuses[status, default: 0] += 1
                startNext()
            }
            return statuses
        }
    }

    private static func hangUp(port: Int) async throws -> Int {
        let head = try await startStream(port: port, from: "127.0.0.1", path: "/slow", readToEnd: false)
        return Int(head.dropFirst("HTTP/1.1 ".count).prefix(3)) ?? 0
    }

    /// Sends a streaming POST from `source`; returns the answer's head (and, with `readToEnd`,
    /// everything until the server closes).
    static func startStream(port: Int, from source: String, path: String, readToEnd: Bool) async throws -> String {
        let connection = try await RawTCPConnection.connect(port: port, sourceAddress: source)
        let body = path == "/slow" ? #"{"data":600}"# : #"{"data":2}"#
        try await connection.send(Array(
            "POST \(path) HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
                .utf8))
        if readToEnd {
            _ = await connection.readUntilClose(timeout: .seconds(20))
        } else {
            _ = await connection.waitForBytes(containing: "\r\n\r\n", timeout: .seconds(20))
        }
        let received = await connection.received()
        await connection.close()
        return String(decoding: received, as: UTF8.self)
    }
}
