public import ServiceLifecycle
import Synchronization

/// Keeps streams in memory: the reference `StreamManager`, for development and tests.
///
/// A stream is an array of chunks plus its lifecycle; readers hold an index into it and wait for the
/// next append, so a reader that falls behind catches up and the writer never waits for a reader.
/// Everything is lost when the process ends: use `SQLiteStreamManager` for streams that must
/// survive a restart. Finished streams are removed after `Configuration.retention`, swept by `run()`.
///
/// ```swift
/// let streams = InMemoryStreamManager()
/// router.addFlow(streamy, options: .init(streamManager: streams))
/// ```
public final class InMemoryStreamManager: StreamManager, Service {
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
    private let clock: ElapsedClock
    private let streams = Mutex<[StreamID: Entry]>([:])

    /// - Parameters:
    ///   - configuration: Retention and paging.
    ///   - clock: The clock retention is measured with (inject a manual clock in tests).
    public init(configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock()) {
        self.configuration = configuration
        self.clock = ElapsedClock(clock)
    }

    // MARK: StreamManager

    public func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter {
        let entry = Entry(flow: scope.flow, owner: scope.principal)
        try streams.withLock { streams in
            guard streams[id] == nil else { throw FlowError.streamExists }
            streams[id] = entry
        }
        return Writer(entry: entry, clock: clock)
    }

    public func subscribe(_ id: StreamID, after index: Int?, in scope: StreamScope) async throws -> StreamEvents {
        let entry = try visibleEntry(id, in: scope)
        let start = try entry.state.withLock { try $0.lifecycle.firstIndex(after: index) }
        let pageSize = configuration.pageSize
        return StreamEvents(from: start) { from in try await entry.events(from: from, pageSize: pageSize) }
    }

    public func cancel(_ id: StreamID, in scope: StreamScope) async throws -> CancelResult {
        try visibleEntry(id, in: scope).cancel(at: clock.now())
    }

    // MARK: Retention

    /// Removes finished streams whose retention has passed. `run()` calls it every `sweepInterval`.
    /// - Returns: How many streams were removed.
    @discardableResult
    public func sweep() -> Int {
        let now = clock.now()
        let retention = configuration.retention
        return streams.withLock { streams in
            let expired = streams.filter { _, entry in
                entry.state.withLock { $0.finishedAt.map { $0 + retention <= now } ?? false }
            }
            for id in expired.keys { streams[id] = nil }
            return expired.count
        }
    }

    /// Sweeps expired streams until graceful shutdown.
    public func run() async throws {
        let interval = configuration.sweepInterval
        let clock = self.clock
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                // Cancelled or shutting down: the loop ends normally, not as a failed service.
                do { try await clock.sleep(interval) } catch { return }
                self.sweep()
            }
        }
    }

    private func visibleEntry(_ id: StreamID, in scope: StreamScope) throws -> Entry {
        guard let entry = streams.withLock({ $0[id] }), scope.canSee(flow: entry.flow, owner: entry.owner) else {
            throw FlowError.streamNotFound
        }
        return entry
    }
}

// MARK: - Writer

extension InMemoryStreamManager {
    struct Writer: StreamWriter {
        let entry: Entry
        let clock: ElapsedClock

        func write(_ chunks: [JSONBytes]) async throws {
            try entry.append(chunks)
        }

        func finish(_ outcome: StreamOutcome) async throws {
            try entry.finish(outcome, at: clock.now())
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            entry.onCancel(handler)
        }
    }
}
