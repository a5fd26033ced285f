public import ServiceLifecycle
public import Logging

/// Keeps streams in memory: the reference `StreamManager`, for development and tests.
///
/// The durable engine over a dictionary: a stream is an array of chunks plus its record; readers
/// hold an index into it and wait for the next commit, so a reader that falls behind catches up and
/// the writer never waits for a reader. Everything is lost when the process ends: use
/// `SQLiteStreamManager` for streams that must survive a restart. Finished streams are removed after
/// `Configuration.retention`, swept by `run()`.
///
/// ```swift
/// let streams = InMemoryStreamManager()
/// var server = FlowServer(streamManager: streams, logger: logger)   // runs the sweeps too
/// ```
public final class InMemoryStreamManager: EngineBackedStreamManager, Service {
    public struct Configuration: Sendable {
        /// How long finished streams stay readable, counted from when they finished. Defaults to 5 minutes (as Genkit).
        public var retention: Duration = .seconds(300)
        /// How many events a reader takes at a time. Defaults to 256.
        public var pageSize: Int = 256

        public init() {}

        /// How often `run()` sweeps: retention / 10, at most one minute.
        public var sweepInterval: Duration { min(retention / 10, .seconds(60)) }
    }

    public let configuration: Configuration
    let engine: DurableStreamManager<MemoryStorage>
    @_spi(Engine) public var durableEngine: any StreamManager { engine }

    /// - Parameters:
    ///   - configuration: Retention and paging.
    ///   - clock: The clock retention is measured with (inject a manual clock in tests).
    ///   - logger: Debug logs. Defaults to none.
    public init(
        configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "FlowStreams", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        let elapsed = ElapsedClock(clock)
        var engineConfiguration = DurableConfiguration(retention: configuration.retention)
        engineConfiguration.pageSize = configuration.pageSize
        engineConfiguration.sleep = elapsed.sleep
        engine = DurableStreamManager(storage: MemoryStorage(clock: elapsed), configuration: engineConfiguration, logger: logger)
    }

    // MARK: Retention

    /// Removes finished streams whose retention has passed. `run()` calls it every `sweepInterval`.
    /// - Returns: How many streams were removed.
    @discardableResult
    public func sweep() async throws -> Int {
        try await engine.sweep()
    }

    /// Sweeps expired streams until graceful shutdown.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.engine.run() }
    }
}
