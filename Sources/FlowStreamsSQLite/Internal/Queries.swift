import FlowStreams
import Foundation
import GRDB

/// The SQL statements of the manager, each run inside a transaction its caller opened. Every value
/// is a bound parameter.
enum Queries {
    /// Inserts a running stream.
    /// - Returns: `false` when a stream with this id exists (running or finished).
    static func insertStream(_ db: Database, id: StreamID, scope: StreamScope, now: Int64) throws -> Bool {
        try db.cachedStatement(sql: """
            INSERT INTO streams (id, flow, owner, status, chunk_count, created_at)
            VALUES (?, ?, ?, 'running', 0, ?) ON CONFLICT (id) DO NOTHING
            """).execute(arguments: [id.rawValue, scope.flow, scope.principal, now])
        return db.changesCount == 1
    }

    /// How many chunk rows one multi-row INSERT carries.
    static let insertGroup = 64
    static let insertGroupSQL = "INSERT INTO chunks (stream_id, idx, bytes) VALUES "
        + Array(repeating: "(?, ?, ?)", count: insertGroup).joined(separator: ", ")

    /// Appends a batch at its base, if the stream is still running and has exactly `base` chunks (fencing).
    static func appendChunks(_ db: Database, _ append: ChunkAppend) throws -> AppendResult {
        let (id, chunks, base) = (append.id, append.chunks, append.base)
        let select = try db.cachedStatement(sql: "SELECT status, chunk_count FROM streams WHERE id = ?")
        guard let row = try Row.fetchOne(select, arguments: [id.rawValue]) else { return .finished }
        let status: String = row[0]
        let stored: Int = row[1]
        guard status == "running" else { return .finished }
        if stored == base + chunks.count && !chunks.isEmpty { return .alreadyStored }
        guard stored == base else { return .outOfStep(stored: stored) }
        // Rows go in groups of `insertGroup` per statement (fewer statement steps), the rest one by one.
        var offset = 0
        if chunks.count >= insertGroup {
            let group = try db.cachedStatement(sql: insertGroupSQL)
            let streamID = id.rawValue.databaseValue
            var values: [DatabaseValue] = []
            values.reserveCapacity(insertGroup * 3)
            while chunks.count - offset >= insertGroup {
                values.removeAll(keepingCapacity: true)
                for row in offset..<(offset + insertGroup) {
                    values.append(streamID)
                    values.append((base + row).databaseValue)
                    values.append(Data(chunks[row].bytes).databaseValue)
                }
                // The arguments match the statement by construction: skip GRDB's validation.
                group.setUncheckedArguments(StatementArguments(values))
                try group.execute()
                offset += insertGroup
            }
        }
        let insert = try db.cachedStatement(sql: "INSERT INTO chunks (stream_id, idx, bytes) VALUES (?, ?, ?)")
        for row in offset..<chunks.count {
            try insert.execute(arguments: [id.rawValue, base + row, Data(chunks[row].bytes)])
        }
        try db.cachedStatement(sql: "UPDATE streams SET chunk_count = ? WHERE id = ?")
            .execute(arguments: [base + chunks.count, id.rawValue])
        return .appended
    }

    /// Stores the terminal outcome if the stream is still running: the first terminal stored wins.
    /// - Returns: Whether it was stored.
    static func storeTerminal(_ db: Database, id: StreamID, outcome: StreamOutcome, now: Int64) throws -> Bool {
        let terminal = StoredOutcome(outcome)
        try db.cachedStatement(sql: """
            UPDATE streams SET status = ?, output = ?, error_status = ?, error_message = ?, error_details = ?,
                finished_at = ?
            WHERE id = ? AND status = 'running'
            """).execute(arguments: [
                terminal.status, terminal.output.map { Data($0) }, terminal.errorStatus, terminal.errorMessage,
                terminal.errorDetails.map { Data($0) },
                now, id.rawValue,
            ])
        return db.changesCount == 1
    }

    /// Ends every running stream with `UNAVAILABLE "Stream writer lost."` (startup recovery).
    /// - Returns: How many were ended.
    static func loseRunningStreams(_ db: Database, now: Int64) throws -> Int {
        let terminal = StoredOutcome(.failure(.writerLost))
        try db.execute(sql: """
            UPDATE streams SET status = ?, output = NULL, error_status = ?, error_message = ?, error_details = NULL,
                finished_at = ?
            WHERE status = 'running'
            """, arguments: [terminal.status, terminal.errorStatus, terminal.errorMessage, now])
        return db.changesCount
    }

    /// A stream's row, as the engine needs it.
    static func stream(_ db: Database, id: StreamID) throws -> StoredStream? {
        let statement = try db.cachedStatement(sql: """
            SELECT flow, owner, status, chunk_count, output, error_status, error_message, error_details
            FROM streams WHERE id = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [id.rawValue]) else { return nil }
        return StoredStream(
            flow: row[0], owner: row[1], chunkCount: row[3],
            outcome: StoredOutcome.outcome(
                status: row[2], output: (row[4] as Data?).map { Array($0) }, errorStatus: row[5], errorMessage: row[6],
                errorDetails: (row[7] as Data?).map { Array($0) }))
    }

    /// At most `limit` chunks from index `from` on, in order.
    static func chunkPage(_ db: Database, id: StreamID, from index: Int, limit: Int) throws -> [StoredChunk] {
        let statement = try db.cachedStatement(sql: """
            SELECT idx, bytes FROM chunks WHERE stream_id = ? AND idx >= ? ORDER BY idx LIMIT ?
            """)
        var chunks: [StoredChunk] = []
        chunks.reserveCapacity(limit)
        let rows = try Row.fetchCursor(statement, arguments: [id.rawValue, index, limit])
        while let row = try rows.next() {
            let bytes = try row.withUnsafeData(atIndex: 1) { data in data.map { Array($0) } ?? [] }
            chunks.append(StoredChunk(index: row[0], bytes: JSONBytes(unchecked: bytes)))
        }
        return chunks
    }

    /// Ids of finished streams whose `finished_at` is at or before `cutoff`, at most `limit`.
    static func expiredStreams(_ db: Database, finishedAtOrBefore cutoff: Int64, limit: Int) throws -> [String] {
        try String.fetchAll(db, sql: """
            SELECT id FROM streams WHERE finished_at IS NOT NULL AND finished_at <= ? LIMIT ?
            """, arguments: [cutoff, limit])
    }

    /// Deletes a finished stream and its chunks if it is still expired at `cutoff`.
    /// - Returns: Whether the stream was deleted.
    static func deleteExpiredStream(_ db: Database, id: String, finishedAtOrBefore cutoff: Int64) throws -> Bool {
        try db.execute(
            sql: "DELETE FROM streams WHERE id = ? AND finished_at IS NOT NULL AND finished_at <= ?",
            arguments: [id, cutoff])
        guard db.changesCount == 1 else { return false }
        try db.execute(sql: "DELETE FROM chunks WHERE stream_id = ?", arguments: [id])
        return true
    }
}
