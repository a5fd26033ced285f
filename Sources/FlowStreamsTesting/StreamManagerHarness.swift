public import FlowStreams

/// One backend, ready for the conformance suite: a fresh manager and the means to move its time.
///
/// ```swift
/// let clock = ManualClock()
/// var configuration = InMemoryStreamManager.Configuration()
/// configuration.retention = .seconds(60)
/// let manager = InMemoryStreamManager(configuration: configuration, clock: clock)
/// let harness = StreamManagerHarness(
///     manager: manager, retention: configuration.retention,
///     advanceClock: { clock.advance(by: $0) }, sweep: { try await manager.sweep() })
/// ```
public struct StreamManagerHarness: Sendable {
    /// The manager under test; every check opens streams with new random ids.
    public var manager: any StreamManager
    /// The retention period the manager was configured with.
    public var retention: Duration
    /// Advances the manager's clock (a `ManualClock` for in-memory; durable backends may use their own way).
    public var advanceClock: @Sendable (Duration) async throws -> Void
    /// Runs one retention sweep now.
    public var sweep: @Sendable () async throws -> Void
    /// Releases what the harness holds (a database, a connection pool). Called once after each check.
    public var tearDown: @Sendable () async throws -> Void

    /// - Parameters:
    ///   - manager: A manager with no streams the checks could collide with.
    ///   - retention: Its retention period.
    ///   - advanceClock: Moves the manager's notion of now forward by the given duration.
    ///   - sweep: Removes the finished streams whose retention has passed, once, now.
    ///   - tearDown: Releases the harness's resources; defaults to doing nothing.
    public init(
        manager: any StreamManager,
        retention: Duration,
        advanceClock: @escaping @Sendable (Duration) async throws -> Void,
        sweep: @escaping @Sendable () async throws -> Void,
        tearDown: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.manager = manager
        self.retention = retention
        self.advanceClock = advanceClock
        self.sweep = sweep
        self.tearDown = tearDown
    }
}
