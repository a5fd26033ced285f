import FlowStreams
import GRDB
import Logging
import Synchronization

/// What the manager and its writers share: the database, the lock that makes it ours, the clock,
/// and the live streams of this process. It lives as long as the manager or any writer.
final class StreamStore: Sendable {
    let pool: DatabasePool
    let configuration: SQLiteStreamManager.Configuration
    let logger: Logger
    let clock: WallClock
    private let file: DatabaseFile
    private let lock: FileLock
    private let retry: StorageRetry
    /// Batches the appends of all streams into shared transactions.
    let groupCommit = GroupCommit()
    /// The last commit of each stream written here, for readers that caught up.
    let recentCommits = RecentCommits()
    /// Streams opened here whose terminal is not stored yet.
    let live = LiveStreams()
    /// Test hook: told the number of chunk rows of every page read.
    let pageReadObserver = Mutex<(@Sendable (Int) -> Void)?>(nil)

    init(
        pool: DatabasePool, file: DatabaseFile, lock: FileLock,
        configuration: SQLiteStreamManager.Configuration, clock: WallClock, logger: Logger
    ) {
        self.pool = pool
        self.file = file
        self.lock = lock
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        retry = StorageRetry(window: configuration.storageWindow, logger: logger)
    }

    deinit { close() }

    // MARK: Database access

    /// Runs `body` in a write transaction, retrying storage errors for the storage window.
    /// - Throws: `FlowError`s and `CancellationError` from `body`; `StorageFailure` (logged) when storage failed.
    func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let file = self.file
        return try await retry.run(what) {
            try await pool.write { db in
                try file.checkUnchanged()
                return try body(db)
            }
        }
    }

    /// Runs `body` in a read transaction (a snapshot of committed data), retrying storage errors.
    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await retry.run(what) { try await pool.read(body) }
    }

    /// Makes the storage failures of `operation` `UNAVAILABLE "Storage unavailable."`.
    func mappingStorageFailure<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch is StorageFailure {
            throw FlowError.storageUnavailable
        }
    }

    // MARK: Ending streams

    /// Stores the terminal of a stream whose end was decided in memory (finish or cancel), then wakes
    /// its readers and forgets it. When storage fails, readers here get `UNAVAILABLE "Storage
    /// unavailable."` from memory, and the terminal stays pending for the next sweep.
    /// - Returns: Whether the terminal was stored (`false`: another one was stored first).
    /// - Throws: `UNAVAILABLE "Storage unavailable."`; `CancellationError`.
    func storeTerminal(of stream: LiveStream, _ outcome: StreamOutcome, what: String) async throws -> Bool {
        let id = stream.id
        let now = clock.nowMilliseconds()
        do {
            let stored = try await write(what) { db in try Queries.storeTerminal(db, id: id, outcome: outcome, now: now) }
            stream.didStoreTerminal()
            live.unregister(stream)
            return stored
        } catch is StorageFailure {
            await endForStorageFailure(stream)
            throw FlowError.storageUnavailable
        }
    }

    /// Storage failed for the storage window: end the stream `UNAVAILABLE "Storage unavailable."`
    /// for the readers of this process at once, then try once to store that terminal.
    func endForStorageFailure(_ stream: LiveStream) async {
        stream.overrideTerminal(.failure(.storageUnavailable))
        logger.debug("stream ended: storage unavailable", metadata: ["flowstreams.stream.id": "\(stream.id)"])
        _ = try? await storePendingTerminal(of: stream)
    }

    /// Stores the in-memory terminal of a stream whose storage failed, once, without retrying.
    /// - Returns: Whether the stream is settled in the database (stored now, or already finished there).
    func storePendingTerminal(of stream: LiveStream) async throws -> Bool {
        guard let (_, outcome) = stream.overriddenTerminal else { return false }
        let id = stream.id
        let file = self.file
        let now = clock.nowMilliseconds()
        try await pool.write { db in
            try file.checkUnchanged()
            _ = try Queries.storeTerminal(db, id: id, outcome: outcome, now: now)
        }
        live.unregister(stream)
        return true
    }

    // MARK: Closing

    /// Closes the database and releases the lock. Readers of streams still running here get
    /// `UNAVAILABLE "Stream writer lost."`, as readers in another process would after a crash.
    func close() {
        for stream in live.all where stream.isRunning {
            stream.overrideTerminal(.failure(.writerLost))
        }
        do {
            try pool.close()
        } catch {
            logger.debug("database close failed", metadata: ["flowstreams.sqlite.error": "\(StorageFailure(error).cause)"])
        }
        lock.release()
    }
}
