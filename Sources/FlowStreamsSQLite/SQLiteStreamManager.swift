@_spi(Engine) public import FlowStreams
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
public final class SQLiteStreamManager: EngineBackedStreamManager, Service {
    public let configuration: Configuration
    let engine: DurableStreamManager<SQLiteStorage>
    @_spi(Engine) public var durableEngine: any StreamManager { engine }

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
        self.configuration = configuration
        let storage = try Self.openStorage(path: path, configuration: configuration, clock: clock, logger: logger)
        engine = DurableStreamManager(storage: storage, configuration: Self.engineConfiguration(configuration, storage: storage), logger: logger)
    }

    /// Takes the file's lock, opens and migrates the database, and ends the streams a previous
    /// process left running (the steps of `init`, for tests that put the storage under an engine of their own).
    package static func openStorage(
        path: String, configuration: Configuration, clock: some Clock<Duration>, logger: Logger
    ) throws -> SQLiteStorage {
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
        return SQLiteStorage(pool: pool, file: file, lock: lock, clock: wallClock, logger: logger)
    }

    /// How the engine runs over the file: group commit across streams, sweeps on the manager's clock.
    package static func engineConfiguration(_ configuration: Configuration, storage: SQLiteStorage) -> DurableConfiguration {
        var engine = DurableConfiguration(retention: configuration.retention)
        engine.pageSize = configuration.pageSize
        engine.storageWindow = configuration.storageWindow
        engine.commitsAcrossStreams = true
        engine.metrics = configuration.metrics
        engine.sleep = storage.clock.sleep
        return engine
    }
}
