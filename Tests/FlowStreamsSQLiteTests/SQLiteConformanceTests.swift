import FlowStreams
import FlowStreamsSQLite
import FlowStreamsTesting
import Testing

/// The shared stream-manager suite against `SQLiteStreamManager`, each check on a fresh database
/// file in its own temporary directory.
@Suite("SQLiteStreamManager conformance")
struct SQLiteConformanceTests {
    static let retention: Duration = .seconds(60)

    let conformance = StreamManagerConformance {
        let directory = try TemporaryDirectory()
        let clock = ManualClock()
        let manager = try makeManager(path: directory.databasePath, clock: clock, retention: SQLiteConformanceTests.retention)
        return StreamManagerHarness(
            manager: manager, retention: SQLiteConformanceTests.retention,
            advanceClock: { clock.advance(by: $0) },
            sweep: { try await manager.sweep() },
            tearDown: {
                manager.close()
                directory.remove()
            })
    }

    @Test("C23 open, write, finish: a subscriber gets the chunks then the output")
    func c23OpenWriteFinish() async throws { try await conformance.c23OpenWriteFinish() }

    @Test("C24 opening an id that exists fails with ALREADY_EXISTS")
    func c24OpenExistingFails() async throws { try await conformance.c24OpenExistingFails() }

    @Test("C25 subscribing to an unknown id fails with NOT_FOUND")
    func c25SubscribeUnknownFails() async throws { try await conformance.c25SubscribeUnknownFails() }

    @Test("C26 write or finish after the stream finished fails with FAILED_PRECONDITION and changes nothing")
    func c26WriteAfterFinishFails() async throws { try await conformance.c26WriteAfterFinishFails() }

    @Test("C27 late subscribers get the stored chunks then the live ones, no gap or duplicate at the seam")
    func c27LateSubscriberSeam() async throws { try await conformance.c27LateSubscriberSeam() }

    @Test("C28 a subscriber to a finished stream gets all chunks, the terminal event, then the end")
    func c28FinishedStreamReplay() async throws { try await conformance.c28FinishedStreamReplay() }

    @Test("C29 identical chunks are all kept")
    func c29IdenticalChunksKept() async throws { try await conformance.c29IdenticalChunksKept() }

    @Test("C30 a cancelled or dropped reader is freed; later writes succeed")
    func c30UnsubscribeFreesReader() async throws { try await conformance.c30UnsubscribeFreesReader() }

    @Test("C31 finished streams are removed after retention, open streams never")
    func c31RetentionRemovesOnlyFinishedStreams() async throws { try await conformance.c31RetentionRemovesOnlyFinishedStreams() }

    @Test("C32 stored errors keep their status, message and details")
    func c32StoredErrorsKeepStatus() async throws { try await conformance.c32StoredErrorsKeepStatus() }

    @Test("C41 cancel stores CANCELLED once, rejects later writes, and the first terminal wins a race")
    func c41CancelFirstTerminalWins() async throws { try await conformance.c41CancelFirstTerminalWins() }

    @Test("C42 a stream with an owner is NOT_FOUND for anyone else; one without is found by anyone")
    func c42OwnedStreamsVisibleOnlyToTheirOwner() async throws { try await conformance.c42OwnedStreamsVisibleOnlyToTheirOwner() }

    @Test("X1 resume offsets: after n starts at n + 1, beyond the end is OUT_OF_RANGE")
    func x1ResumeAfterAnOffset() async throws { try await conformance.x1ResumeAfterAnOffset() }
}
