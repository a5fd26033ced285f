import Foundation
import Testing
import TestSupport

/// X4, X5, X7, X8, X13 and X14 with two real sample-server processes sharing one PostgreSQL database.
@Suite("Sample servers sharing PostgreSQL", .serialized, .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipMessage), .tags(.childProcesses))
struct MultiInstanceTests {
    static let sse: [(String, String)] = [("Accept", "text/event-stream"), ("Content-Type", "application/json")]
    static let leaseExpiry: Duration = .milliseconds(1500)
    static let writerLostFrame = #"data: {"error":{"status":"UNAVAILABLE","message":"Stream writer lost."}}"#
    static let cancelledFrame = #"data: {"error":{"status":"CANCELLED","message":"Stream cancelled."}}"#

    /// A sample server on the test database with a 1.5 s lease (renewed every 0.5 s), a chunk every 50 ms.
    static func startServer() async throws -> (ChildProcess, Int) {
        let url = try #require(PostgresTestServer.url)
        let server = try await ChildProcess.start(
            product: "durable-streaming",
            arguments: ["serve", "--port", "0", "--chunk-delay-ms", "50", "--store", url,
                        "--lease-expiry-ms", "\(leaseExpiry.components.seconds * 1000 + leaseExpiry.components.attoseconds / 1_000_000_000_000_000)",
                        "--log-level", "debug"])
        return (server, try await server.waitForListening(timeout: .seconds(20)))
    }

    static func countFrame(_ index: Int) -> String { #"data: {"message":{"count":\#(index)}}"# }

    /// Opens `streamy` on `port` with `input` chunks, or resumes `id` there.
    static func streamy(port: Int, input: Int = 0, resuming id: String? = nil) async throws -> SSEStreamReader {
        try await SSEStreamReader.open(
            port: port, path: "/streamy", headers: sse + (id.map { [("x-genkit-stream-id", $0)] } ?? []),
            body: id == nil ? #"{"data":\#(input)}"# : "{}")
    }

    @Test("X7 a stream started on A is resumed on B while A writes: B sends the stored chunks, then the live ones, each once")
    func resumeOnAnotherInstance() async throws {
        let (a, portA) = try await Self.startServer()
        let (b, portB) = try await Self.startServer()
        let started = try await Self.streamy(port: portA, input: 40)
        let id = try #require(started.connection.head.header("x-genkit-stream-id"))
        for index in 0..<5 { #expect(try await started.nextFrame() == Self.countFrame(index)) }

        let resumed = try await Self.streamy(port: portB, resuming: id)
        #expect(resumed.connection.head.status == 200)
        let first = try #require(try await resumed.nextFrame())
        // A is still writing: it has not finished when B's first frame arrives (40 chunks take 2 s).
        #expect(!started.isFinished)
        let frames = try await [first] + resumed.remainingFrames()
        #expect(frames == (0..<40).map(Self.countFrame) + [#"data: {"result":"done: 40, streamed: 40 times"}"#])
        #expect(try await started.remainingFrames() == Array(frames.dropFirst(5)))
        await started.close()
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    @Test("X5 X4 X13 X14 A killed (SIGKILL) while B follows its stream: every stored chunk, then UNAVAILABLE \"Stream writer lost.\" within lease expiry + renewal; a restarted A replays it byte for byte")
    func instanceDies() async throws {
        let (a, portA) = try await Self.startServer()
        let (b, portB) = try await Self.startServer()
        let started = try await Self.streamy(port: portA, input: 1000)
        let id = try #require(started.connection.head.header("x-genkit-stream-id"))
        let follower = try await Self.streamy(port: portB, resuming: id)
        var received: [String] = []
        for _ in 0..<5 { received.append(try #require(try await follower.nextFrame())) }

        a.signal(SIGKILL)
        let killed = ContinuousClock.now
        #expect(try await a.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
        let rest = try await follower.remainingFrames(timeout: .seconds(20))
        let waited = ContinuousClock.now - killed
        let frames = received + rest
        #expect(frames.last == Self.writerLostFrame)
        let chunks = Array(frames.dropLast())
        #expect(chunks == (0..<chunks.count).map(Self.countFrame))
        // Expiry + renewal (0.5 s), with room for a loaded machine.
        #expect(waited < Self.leaseExpiry + .milliseconds(500) + .seconds(2), "took \(waited)")
        await started.close()

        // X4, X13, X14: a new instance replays what B saw, byte for byte: every chunk any reader got was stored.
        let (restarted, portC) = try await Self.startServer()
        let replay = try await Self.streamy(port: portC, resuming: id)
        _ = try await replay.remainingFrames()
        #expect(replay.rawBytes == follower.rawBytes)
        #expect(try await restarted.stop() == 0)
        #expect(try await b.stop() == 0)
    }

    @Test("X8 DELETE on B cancels the flow running on A: every reader on both gets CANCELLED, A's flow stops")
    func cancelAcrossInstances() async throws {
        let (a, portA) = try await Self.startServer()
        let (b, portB) = try await Self.startServer()
        let started = try await Self.streamy(port: portA, input: 1000)
        let id = try #require(started.connection.head.header("x-genkit-stream-id"))
        let follower = try await Self.streamy(port: portB, resuming: id)
        for _ in 0..<3 { _ = try await follower.nextFrame() }

        let cancel = try await httpRequest(port: portB, method: "DELETE", path: "/streamy/streams/\(id)", body: nil)
        #expect(cancel.head.status == 202)
        let onA = try await started.remainingFrames(timeout: .seconds(10))
        let onB = try await follower.remainingFrames(timeout: .seconds(10))
        #expect(onA.last == Self.cancelledFrame)
        #expect(onB.last == Self.cancelledFrame)
        #expect(started.rawBytes.count > 0 && onA.dropLast().allSatisfy { $0.hasPrefix(#"data: {"message":"#) })
        // The instance running the flow learned of the cancel and stopped it.
        try await waitUntil(timeout: .seconds(10), "A to log that another instance ended its stream") {
            a.output.contains("stream ended by another instance")
        }
        let again = try await httpRequest(port: portA, method: "DELETE", path: "/streamy/streams/\(id)", body: nil)
        #expect(again.head.status == 204)
        #expect(try await a.stop() == 0)
        #expect(try await b.stop() == 0)
    }
}
