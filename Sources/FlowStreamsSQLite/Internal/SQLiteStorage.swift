package import FlowStreams
import GRDB
import Logging

/// The storage steps of ``SQLiteStreamManager`` on one database file: each a transaction on GRDB's
/// `DatabasePool` (one writer connection, concurrent snapshot readers). Appends of many streams
/// share a transaction (the engine's group commit). Every write first checks that the path still
/// names the file that was opened.
package final class SQLiteStorage: DurableStorage {
    let pool: DatabasePool
    let clock: WallClock
    private let file: DatabaseFile
    private let lock: FileLock
    private let logger: Logger

    init(pool: DatabasePool, file: DatabaseFile, lock: FileLock, clock: WallClock, logger: Logger) {
        self.pool = pool
        self.file = file
        self.lock = lock
        self.clock = clock
        self.logger = logger
    }

    deinit { close() }

    /// Runs `body` in a write transaction after checking the file is still the one opened.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let file = self.file
        return try await pool.write { db in
            try file.checkUnchanged()
            return try body(db)
        }
    }

    // MARK: DurableStorage

    package func create(_ id: StreamID, in scope: StreamScope) async throws -> Bool {
        let now = clock.nowMilliseconds()
        return try await write { db in try Queries.insertStream(db, id: id, scope: scope, now: now) }
    }

    package func append(_ batches: [ChunkAppend]) async throws -> [AppendResult] {
        try await write { db in try batches.map { try Queries.appendChunks(db, $0) } }
    }

    package func storeTerminal(_ outcome: StreamOutcome, of id: StreamID) async throws -> Bool {
        let now = clock.nowMilliseconds()
        return try await write { db in try Queries.storeTerminal(db, id: id, outcome: outcome, now: now) }
    }

    package func stream(_ id: StreamID) async throws -> StoredStream? {
        try await pool.read { db in try Queries.stream(db, id: id) }
    }

    package func page(of id: StreamID, from index: Int, limit: Int) async throws -> StoredPage? {
        try await pool.read { db in
            guard let stream = try Queries.stream(db, id: id) else { return nil }
            guard index < stream.chunkCount else { return StoredPage(stream: stream, chunks: []) }
            return StoredPage(stream: stream, chunks: try Queries.chunkPage(db, id: id, from: index, limit: limit))
        }
    }

    package func marks(of ids: [StreamID]) async throws -> [StreamID: StreamMark] {
        try await pool.read { db in
            var marks: [StreamID: StreamMark] = [:]
            for id in ids { marks[id] = try Queries.stream(db, id: id)?.mark }
            return marks
        }
    }

    /// One transaction per expired stream, a batch of ids at a time.
    package func removeExpired(retention: Duration) async throws -> Int {
        let cutoff = clock.nowMilliseconds() - retention.wholeMilliseconds
        let batch = 64
        var removed = 0
        while true {
            let expired = try await pool.read { db in try Queries.expiredStreams(db, finishedAtOrBefore: cutoff, limit: batch) }
            var removedNow = 0
            for id in expired {
                if try await write({ db in try Queries.deleteExpiredStream(db, id: id, finishedAtOrBefore: cutoff) }) {
                    removedNow += 1
                }
            }
            removed += removedNow
            if expired.count < batch || removedNow == 0 { return removed }
        }
    }

    /// The database is busy or locked, the disk is full, an I/O error, the file cannot be opened or
    /// written, or was removed or replaced.
    package func isTransient(_ error: any Error) -> Bool {
        if error is DatabaseFile.Changed { return true }
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY,
             .SQLITE_PROTOCOL, .SQLITE_NOMEM, .SQLITE_PERM:
            return true
        default:
            return false
        }
    }

    /// `SQLite error 5`, `SQLite error 10 (extended 522)`, or the file check's sentence.
    package func describe(_ error: any Error) -> String {
        if error is DatabaseFile.Changed { return "\(error)" }
        return Self.sqliteCode(of: error) ?? "\(type(of: error))"
    }

    /// The SQLite result code of a GRDB error, e.g. `SQLite error 5` or `SQLite error 10 (extended 522)`.
    static func sqliteCode(of error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        let primary = error.resultCode.rawValue
        let extended = error.extendedResultCode.rawValue
        return "SQLite error \(primary)" + (extended == primary ? "" : " (extended \(extended))")
    }

    // MARK: Closing

    /// Closes the database and releases the lock.
    package func close() {
        do {
            try pool.close()
        } catch {
            logger.debug("database close failed", metadata: ["flowstreams.storage.error": "\(describe(error))"])
        }
        lock.release()
    }
}
