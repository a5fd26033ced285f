import FlowStreams

/// The checks every `StreamManager` backend must pass (docs/CONFORMANCE.md C23–C32, C41, C42, and offsets).
///
/// Each check makes a fresh harness, runs against it, tears it down, and throws a
/// `ConformanceFailure` naming what did not hold. Every wait has a time limit, so a broken backend
/// fails instead of hanging. Streams get random ids in the flow `"conformance"`. Call the checks from
/// your own test declarations, one per item, so each item is reported on its own:
///
/// ```swift
/// @Test("C23 open, write, finish: a subscriber gets the chunks then the output")
/// func c23OpenWriteFinish() async throws { try await conformance.c23OpenWriteFinish() }
/// ```
public struct StreamManagerConformance: Sendable {
    private let makeHarness: @Sendable () async throws -> StreamManagerHarness

    /// - Parameter makeHarness: Makes a new harness (a manager with its clock and sweep) for each check.
    public init(makeHarness: @escaping @Sendable () async throws -> StreamManagerHarness) {
        self.makeHarness = makeHarness
    }

    /// Runs every check, one after the other.
    /// - Throws: The first `ConformanceFailure`.
    public func runAll() async throws {
        try await c23OpenWriteFinish()
        try await c24OpenExistingFails()
        try await c25SubscribeUnknownFails()
        try await c26WriteAfterFinishFails()
        try await c27LateSubscriberSeam()
        try await c28FinishedStreamReplay()
        try await c29IdenticalChunksKept()
        try await c30UnsubscribeFreesReader()
        try await c31RetentionRemovesOnlyFinishedStreams()
        try await c32StoredErrorsKeepStatus()
        try await c41CancelFirstTerminalWins()
        try await c42OwnedStreamsVisibleOnlyToTheirOwner()
        try await x1ResumeAfterAnOffset()
    }

    /// Runs `body` with a new harness, then tears the harness down (also when `body` throws).
    func withHarness(_ body: (TimedManager, StreamManagerHarness) async throws -> Void) async throws {
        let harness = try await makeHarness()
        do {
            try await body(TimedManager(base: harness.manager), harness)
        } catch {
            try? await harness.tearDown()
            throw error
        }
        try await harness.tearDown()
    }
}
