public import FlowStreams
import GRDB
public import Logging
public import ServiceLifecycle

/// Keeps streams in one SQLite file, so they survive a restart of the process: the embedded default.
///
/// One manager owns a file: it holds an exclusive lock on `<path>.lock` for its whole life (the
/// kernel releases it when the process dies) and a second manager, in this or another process, fails
/// at once with `SQLiteStreamManagerError` `.databaseLocked`. On start, streams that a dead process
/// left running are ended with `UNAVAILABLE "Stream writer lost."`. A writer's batch is committed in
/// one transaction (group commit); readers in this process are woken after each commit and read
/// pages of committed rows from their own index, so a reader's memory is one page whatever the
/// stream's length. Finished streams are removed after `Configuration.retention` by `run()`.
///
/// Durability is WAL with `synchronous=NORMAL`: a commit survives a process kill, not a power loss.
/// GRDB uses the system SQLite (`libsqlite3-dev` on Linux).
///
/// ```swift
/// let streams = try SQLiteStreamManager(path: "streams.sqlite", logger: logger)
/// let services = ServiceGroup(services: [streams, server], logger: logger)   // run() sweeps
/// router.addFlow(streamy, options: .init(streamManager: streams))
/// ```
public final class SQLiteStreamManager: StreamManager, Service {
    public let configuration: Configuration
    let store: StreamStore

    /// Opens (or creates) the database, takes its lock, migrates the schema, and ends the streams a
    /// previous process left running with `UNAVAILABLE "Stream writer lost."`.
    ///
    /// Runs a few blocking statements: create managers at startup, not per request.
    /// - Parameters:
    ///   - path: The database file; its directory must exist. The lock file is `<path>.lock`.
    ///   - configuration: Retention, paging, storage window.
    ///   - clock: Measures time from the system time at start: creation and finish times stored in
    ///     the database (milliseconds since 1970) are that time plus what elapsed on `clock`, and
    ///     `run()` sleeps on it. Inject a manual clock in tests to move retention.
    ///   - logger: Debug logs; storage failures at error. Stream ids only at debug.
    /// - Throws: `SQLiteStreamManagerError`: `.databaseLocked` when another manager has the file,
    ///   `.cannotOpenLockFile`, `.cannotOpenDatabase`, `.migrationFailed`, `.recoveryFailed`.
    public init(
        path: String, configuration: Configuration = .init(), clock: some Clock<Duration> = ContinuousClock(),
        logger: Logger
    ) throws {
        let lock = try FileLock(path: path + ".lock", databasePath: path)
        var options = GRDB.Configuration()
        options.busyMode = .timeout(Double(configuration.busyTimeout.wholeMilliseconds) / 1000)
        options.maximumReaderCount = max(1, configuration.readerConnections)
        options.label = "FlowStreamsSQLite"
        options.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: options)
        } catch {
            throw SQLiteStreamManagerError(code: .cannotOpenDatabase, path: path, underlying: error)
        }
        do {
            try Schema.migrator.migrate(pool)
        } catch {
            throw SQLiteStreamManagerError(code: .migrationFailed, path: path, underlying: error)
        }
        guard let file = DatabaseFile(path: path) else {
            throw SQLiteStreamManagerError(code: .cannotOpenDatabase, path: path)
        }
        let wallClock = WallClock(clock)
        let lost: Int
        do {
            lost = try pool.write { db in try Queries.loseRunningStreams(db, now: wallClock.nowMilliseconds()) }
        } catch {
            throw SQLiteStreamManagerError(code: .recoveryFailed, path: path, underlying: error)
        }
        if lost > 0 {
            configuration.metrics.writersLost.increment(by: lost)
            logger.debug("ended streams left running by a previous process", metadata: ["flowstreams.streams": "\(lost)"])
        }
        self.configuration = configuration
        store = StreamStore(pool: pool, file: file, lock: lock, configuration: configuration, clock: wallClock, logger: logger)
    }

    // MARK: StreamManager

    public func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter {
        let stream = LiveStream(id: id)
        guard store.live.register(stream) else { throw FlowError.streamExists }
        let now = store.clock.nowMilliseconds()
        do {
            let inserted = try await store.mappingStorageFailure {
                try await store.write("open") { db in try Queries.insertStream(db, id: id, scope: scope, now: now) }
            }
            guard inserted else { throw FlowError.streamExists }
        } catch {
            store.live.unregister(stream)
            throw error
        }
        return Writer(store: store, stream: stream)
    }

    public func subscribe(_ id: StreamID, after index: Int?, in scope: StreamScope) async throws -> StreamEvents {
        let stored = try await visibleStream(id, in: scope, what: "subscribe")
        var lifecycle = stored.lifecycle
        if let terminal = store.live.stream(id)?.overriddenTerminal {
            lifecycle = StreamLifecycle(state: .finished(chunkCount: terminal.index, terminal.outcome))
        }
        let start = try lifecycle.firstIndex(after: index)
        let reader = StreamReader(store: store, id: id)
        return StreamEvents(from: start) { from in try await reader.events(from: from) }
    }

    public func cancel(_ id: StreamID, in scope: StreamScope) async throws -> CancelResult {
        let stored = try await visibleStream(id, in: scope, what: "cancel")
        let store = self.store
        if let stream = store.live.stream(id) {
            guard stream.decideCancel() else { return .alreadyFinished }
            // Decided: store it even if the caller goes away, so readers are never left waiting.
            let result = await Task {
                try await store.storeTerminal(of: stream, .failure(.streamCancelled), what: "cancel")
            }.result
            // The flow stops whether CANCELLED was stored or storage failed (the stream ended either way).
            if (try? result.get()) != false { stream.fireCancel() }
            return try result.get() ? .cancelled : .alreadyFinished
        }
        guard stored.outcome == nil else { return .alreadyFinished }
        // Running in the database without a writer here: cannot happen while this manager owns the file.
        let now = store.clock.nowMilliseconds()
        let cancelled = try await store.mappingStorageFailure {
            try await store.write("cancel") { db in
                try Queries.storeTerminal(db, id: id, outcome: .failure(.streamCancelled), now: now)
            }
        }
        return cancelled ? .cancelled : .alreadyFinished
    }

    /// The stream's row, if `scope` may see it.
    /// - Throws: `NOT_FOUND`; `UNAVAILABLE "Storage unavailable."`.
    private func visibleStream(_ id: StreamID, in scope: StreamScope, what: String) async throws -> StoredStream {
        let stored = try await store.mappingStorageFailure {
            try await store.read(what) { db in try StoredStream.fetch(db, id: id) }
        }
        guard let stored, scope.canSee(flow: stored.flow, owner: stored.owner) else { throw FlowError.streamNotFound }
        return stored
    }
}
