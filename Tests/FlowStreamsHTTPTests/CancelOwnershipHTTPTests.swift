import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// docs/CONFORMANCE.md X8 (cancel with `DELETE`) and X9 (ownership) over HTTP, in-memory stream manager.
@Suite("Cancel and ownership over HTTP", .tags(.timers))
struct CancelOwnershipHTTPTests {
    // MARK: X8

    @Test("X8 DELETE on a running stream: 202, every reader ends with CANCELLED, the flow's task sees cancellation; again 204; unknown 404", arguments: Framework.allCases)
    func cancelRunningStream(framework: Framework) async throws {
        let probe = DurableHTTP.Probe()
        // A chunk every 20 ms, far longer than the test: only a cancel ends it.
        let endless = Flow<Int, String, Fixtures.Count>("endless") { count, context in
            try await withTaskCancellationHandler {
                do {
                    for index in 0..<count {
                        try await context.sendChunk(Fixtures.Count(count: index))
                        try await Task.sleep(for: .milliseconds(20))
                    }
                } catch {
                    probe.record("ended: \(error is CancellationError ? "CancellationError" : String(describing: error))")
                    throw error
                }
                probe.record("ended: finished")
                return "done: \(count), streamed: \(count) times"
            } onCancel: {
                probe.record("cancelled")
            }
        }
        try await withFlowServer(framework: framework, flows: { server in
            server.addFlow(endless)
            server.addFlow(Fixtures.counter())
        }) { port in
            let starter = try await DurableHTTP.start(port: port, path: "/endless", input: "100000")
            let id = try #require(starter.connection.head.header("x-genkit-stream-id"))
            let starterFirst = try await DurableHTTP.frames(starter, count: 2)
            #expect(starterFirst == DurableHTTP.counterChunks(0..<2))
            let resumed = try await DurableHTTP.start(port: port, path: "/endless", input: "1", streamID: id)
            let resumedFirst = try await DurableHTTP.frames(resumed, count: 2)
            #expect(resumedFirst == DurableHTTP.counterChunks(0..<2))

            let cancelled = try await DurableHTTP.cancel(port: port, path: "/endless", id: id)
            #expect(cancelled.head.status == 202)
            #expect(cancelled.body.isEmpty)

            // Both readers: the chunks stored before the cancel, then exactly the CANCELLED frame.
            let starterFrames = try await starterFirst + starter.remainingFrames()
            let resumedFrames = try await resumedFirst + resumed.remainingFrames()
            let chunkCount = starterFrames.count - 1
            #expect(starterFrames == DurableHTTP.counterChunks(0..<chunkCount) + [DurableHTTP.cancelledFrame])
            #expect(resumedFrames == starterFrames)
            #expect(starter.rawBytes == DurableHTTP.wire(starterFrames))
            #expect(resumed.rawBytes == starter.rawBytes)

            try await waitUntil(timeout: .seconds(5), "the flow to end") { probe.events.contains { $0.hasPrefix("ended") } }
            #expect(probe.events == ["cancelled", "ended: CancellationError"])

            // A reader after the cancel gets the same: nothing was stored after CANCELLED.
            let late = try await DurableHTTP.post(port: port, path: "/endless", input: "1", streamID: id)
            #expect(late.head.status == 200)
            #expect(late.body == starter.rawBytes)

            let again = try await DurableHTTP.cancel(port: port, path: "/endless", id: id)
            #expect(again.head.status == 204)
            #expect(again.body.isEmpty)

            let unknown = try await DurableHTTP.cancel(port: port, path: "/endless", id: UUID().uuidString.lowercased())
            #expect(unknown.head.status == 404)
            #expect(unknown.head.header("content-type") == "application/json")
            #expect(DurableHTTP.errorStatus(unknown.body) == "NOT_FOUND")

            // Another flow's route does not see this stream.
            let otherRoute = try await DurableHTTP.cancel(port: port, path: "/counter", id: id)
            #expect(otherRoute.head.status == 404)

            // A stream that finished by itself: 204, and it still replays its result.
            let finished = try await DurableHTTP.post(port: port, path: "/counter", input: "3")
            let finishedID = try #require(finished.head.header("x-genkit-stream-id"))
            let lateCancel = try await DurableHTTP.cancel(port: port, path: "/counter", id: finishedID)
            #expect(lateCancel.head.status == 204)
            #expect(lateCancel.body.isEmpty)
            let replay = try await DurableHTTP.post(port: port, path: "/counter", input: "3", streamID: finishedID)
            #expect(replay.body == DurableHTTP.wire(DurableHTTP.counterFrames(3)))
        }
    }

    // MARK: X9

    static let userProvider = Fixtures.userProvider

    static let alice = [("Authorization", "user-alice")]
    static let bob = [("Authorization", "user-bob")]

    @Test("X9 a stream started by alice cannot be resumed (204) or cancelled (404) by bob; alice can do both", arguments: Framework.allCases)
    func ownershipOverHTTP(framework: Framework) async throws {
        let gate = DurableHTTP.Gate()
        let never = DurableHTTP.Gate()
        let owned = DurableHTTP.gatedCounter(name: "owned", gate: gate, pauseBefore: 2)
        let stuck = DurableHTTP.gatedCounter(name: "stuck", gate: never, pauseBefore: 2)
        try await withFlowServer(framework: framework, flows: { server in
            server.addFlow(owned, contextProvider: Self.userProvider)
            server.addFlow(stuck, contextProvider: Self.userProvider)
        }) { port in
            defer {
                gate.open()
                never.open()
            }
            let expected = DurableHTTP.counterFrames(4)
            let alicesReader = try await DurableHTTP.start(port: port, path: "/owned", input: "4", headers: Self.alice)
            #expect(alicesReader.connection.head.status == 200)
            let id = try #require(alicesReader.connection.head.header("x-genkit-stream-id"))
            let aliceFirst = try await DurableHTTP.frames(alicesReader, count: 2)

            // Bob: unknown-id answers, whatever offset he sends (he cannot learn that the stream exists).
            for lastEventID in [nil, "0", "99"] {
                let bobs = try await DurableHTTP.post(
                    port: port, path: "/owned", input: "4", streamID: id, lastEventID: lastEventID, headers: Self.bob)
                #expect(bobs.head.status == 204, "Last-Event-ID \(lastEventID ?? "none")")
                #expect(bobs.body.isEmpty, "Last-Event-ID \(lastEventID ?? "none")")
            }
            let bobsCancel = try await DurableHTTP.cancel(port: port, path: "/owned", id: id, headers: Self.bob)
            #expect(bobsCancel.head.status == 404)
            #expect(DurableHTTP.errorStatus(bobsCancel.body) == "NOT_FOUND")
            // Nobody: the provider refuses before anything else.
            let anonymous = try await DurableHTTP.post(port: port, path: "/owned", input: "4", streamID: id)
            #expect(anonymous.head.status == 403)
            #expect(DurableHTTP.errorStatus(anonymous.body) == "PERMISSION_DENIED")
            let anonymousCancel = try await DurableHTTP.cancel(port: port, path: "/owned", id: id)
            #expect(anonymousCancel.head.status == 403)

            // Alice resumes; bob's cancel changed nothing, so the run goes on to its result.
            let alicesResume = try await DurableHTTP.start(port: port, path: "/owned", input: "4", streamID: id, headers: Self.alice)
            #expect(alicesResume.connection.head.status == 200)
            let resumedFirst = try await DurableHTTP.frames(alicesResume, count: 2)
            gate.open()
            #expect(try await aliceFirst + alicesReader.remainingFrames() == expected)
            #expect(try await resumedFirst + alicesResume.remainingFrames() == expected)
            let bobAfterEnd = try await DurableHTTP.post(port: port, path: "/owned", input: "4", streamID: id, headers: Self.bob)
            #expect(bobAfterEnd.head.status == 204)
            let bobsLateCancel = try await DurableHTTP.cancel(port: port, path: "/owned", id: id, headers: Self.bob)
            #expect(bobsLateCancel.head.status == 404)

            // A second stream of alice's, held at its gate: bob cannot cancel it, alice can.
            let stuckReader = try await DurableHTTP.start(port: port, path: "/stuck", input: "4", headers: Self.alice)
            let stuckID = try #require(stuckReader.connection.head.header("x-genkit-stream-id"))
            let stuckFirst = try await DurableHTTP.frames(stuckReader, count: 2)
            #expect(try await DurableHTTP.cancel(port: port, path: "/stuck", id: stuckID, headers: Self.bob).head.status == 404)
            let alicesCancel = try await DurableHTTP.cancel(port: port, path: "/stuck", id: stuckID, headers: Self.alice)
            #expect(alicesCancel.head.status == 202)
            let cancelledFrames = DurableHTTP.counterChunks(0..<2) + [DurableHTTP.cancelledFrame]
            #expect(try await stuckFirst + stuckReader.remainingFrames() == cancelledFrames)
            #expect(try await DurableHTTP.cancel(port: port, path: "/stuck", id: stuckID, headers: Self.alice).head.status == 204)
            #expect(try await DurableHTTP.cancel(port: port, path: "/stuck", id: stuckID, headers: Self.bob).head.status == 404)
            let bobsRead = try await DurableHTTP.post(port: port, path: "/stuck", input: "4", streamID: stuckID, headers: Self.bob)
            #expect(bobsRead.head.status == 204)
            #expect(bobsRead.body.isEmpty)
            let alicesRead = try await DurableHTTP.post(port: port, path: "/stuck", input: "4", streamID: stuckID, headers: Self.alice)
            #expect(alicesRead.head.status == 200)
            #expect(alicesRead.body == DurableHTTP.wire(cancelledFrames))
        }
    }
}
