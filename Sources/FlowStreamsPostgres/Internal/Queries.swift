import FlowStreams
import Logging
import NIOCore
import PostgresNIO

/// The SQL of the manager. Each function is one statement (one round trip, one snapshot, atomic);
/// every value is a bound parameter, only the checked table and channel names are spliced in.
struct Queries: Sendable {
    let client: PostgresClient
    let tables: Tables
    let channel: String
    let logger: Logger
    /// Added to the database's clock for finish times and retention (zero but in tests).
    let shiftMilliseconds: @Sendable () -> Int

    // MARK: Streams

    /// Inserts a running stream with a fresh lease held by `instance`.
    /// - Returns: `false` when a stream with this id exists (running or finished).
    func insertStream(id: StreamID, scope: StreamScope, instance: String, leaseMilliseconds: Int) async throws -> Bool {
        let rows = try await client.query("""
            INSERT INTO \(unescaped: tables.streams) (id, flow, owner, status, chunk_count, lease_expires_at, instance)
            VALUES (\(id.rawValue), \(scope.flow), \(scope.principal), 'running', 0,
                    now() + \(leaseMilliseconds) * interval '1 millisecond', \(instance))
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """, logger: logger)
        return try await rows.collect().count == 1
    }

    /// Appends `chunks` at index `base` if the stream still runs with exactly `base` chunks
    /// (fencing), renews its lease, and notifies the other instances, all in one statement.
    func appendChunks(id: StreamID, chunks: [JSONBytes], at base: Int, leaseMilliseconds: Int) async throws -> AppendResult {
        var buffers: [ByteBuffer] = []
        buffers.reserveCapacity(chunks.count)
        for chunk in chunks { buffers.append(ByteBuffer(bytes: chunk.bytes)) }
        let count = chunks.count
        let rows = try await client.query("""
            WITH s AS (
                UPDATE \(unescaped: tables.streams)
                SET chunk_count = \(base + count), lease_expires_at = now() + \(leaseMilliseconds) * interval '1 millisecond'
                WHERE id = \(id.rawValue) AND status = 'running' AND chunk_count = \(base)
                RETURNING id
            ), c AS (
                INSERT INTO \(unescaped: tables.chunks) (stream_id, idx, bytes)
                SELECT s.id, \(base) + t.ord - 1, t.bytes
                FROM s, unnest(\(buffers)::bytea[]) WITH ORDINALITY AS t(bytes, ord)
            )
            SELECT pg_notify(\(channel), 'c:' || s.id) FROM s
            """, logger: logger)
        if try await rows.collect().count == 1 { return .appended }
        guard let (status, stored) = try await streamState(id: id), status == "running" else { return .finished }
        if stored == base + count { return .alreadyStored }
        return .outOfStep(stored: stored)
    }

    /// The status and chunk count of a stream, if it exists.
    func streamState(id: StreamID) async throws -> (status: String, chunkCount: Int)? {
        let rows = try await client.query(
            "SELECT status, chunk_count FROM \(unescaped: tables.streams) WHERE id = \(id.rawValue)", logger: logger)
        for try await (status, count) in rows.decode((String, Int).self) { return (status, count) }
        return nil
    }

    /// Stores the terminal outcome if the stream is still running (the first terminal stored wins)
    /// and notifies the other instances.
    /// - Returns: Whether it was stored (also when an earlier attempt stored this very outcome).
    func storeTerminal(id: StreamID, outcome: StreamOutcome) async throws -> Bool {
        let t = StoredOutcome(outcome)
        let rows = try await client.query("""
            WITH s AS (
                UPDATE \(unescaped: tables.streams)
                SET status = \(t.status), output = \(t.output.map { ByteBuffer(bytes: $0) }),
                    error_status = \(t.errorStatus), error_message = \(t.errorMessage),
                    error_details = \(t.errorDetails.map { ByteBuffer(bytes: $0) }),
                    finished_at = now() + \(shiftMilliseconds()) * interval '1 millisecond', lease_expires_at = NULL
                WHERE id = \(id.rawValue) AND status = 'running'
                RETURNING id
            )
            SELECT pg_notify(\(channel), 't:' || s.id) FROM s
            """, logger: logger)
        if try await rows.collect().count == 1 { return true }
        // Not stored now: was it this outcome, stored by an attempt whose answer was lost?
        guard let stored = try await stream(id: id), let storedOutcome = stored.outcome else { return false }
        return StoredOutcome(storedOutcome) == t
    }

    /// A stream's row, as readers and cancels need it.
    func stream(id: StreamID) async throws -> StoredStream? {
        let rows = try await client.query("""
            SELECT flow, owner, status, chunk_count, output, error_status, error_message, error_details
            FROM \(unescaped: tables.streams) WHERE id = \(id.rawValue)
            """, logger: logger)
        for try await row in rows { return try StoredStream(row) }
        return nil
    }

    /// One snapshot: the stream's row and up to `limit` chunks from index `from`.
    func page(id: StreamID, from index: Int, limit: Int) async throws -> StoredPage? {
        let rows = try await client.query("""
            SELECT 0 AS kind, flow, owner, status, chunk_count, output, error_status, error_message, error_details,
                   NULL::integer AS idx, NULL::bytea AS bytes
            FROM \(unescaped: tables.streams) WHERE id = \(id.rawValue)
            UNION ALL
            (SELECT 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, idx, bytes
             FROM \(unescaped: tables.chunks) WHERE stream_id = \(id.rawValue) AND idx >= \(index)
             ORDER BY idx LIMIT \(limit))
            ORDER BY kind, idx
            """, logger: logger)
        var stream: StoredStream?
        var chunks: [StoredChunk] = []
        for try await row in rows {
            let cells = row.makeRandomAccess()
            if try cells[0].decode(Int.self) == 0 {
                stream = try StoredStream(row, offset: 1)
            } else if stream != nil {
                var bytes = try cells[10].decode(ByteBuffer.self)
                chunks.append(StoredChunk(
                    index: try cells[9].decode(Int.self), bytes: JSONBytes(unchecked: bytes.readBytes(length: bytes.readableBytes) ?? [])))
            }
        }
        return stream.map { StoredPage(stream: $0, chunks: chunks) }
    }

    // MARK: Leases

    /// Renews the leases of running streams among `ids`.
    /// - Returns: The ids whose lease was renewed (the others have finished).
    func renewLeases(ids streamIDs: [StreamID], leaseMilliseconds: Int) async throws -> Set<StreamID> {
        guard !streamIDs.isEmpty else { return [] }
        let ids = streamIDs.map(\.rawValue)
        let rows = try await client.query("""
            UPDATE \(unescaped: tables.streams) SET lease_expires_at = now() + \(leaseMilliseconds) * interval '1 millisecond'
            WHERE id = ANY(\(ids)::text[]) AND status = 'running' RETURNING id
            """, logger: logger)
        var renewed: Set<StreamID> = []
        for try await id in rows.decode(String.self) { if let id = StreamID(id) { renewed.insert(id) } }
        return renewed
    }

    /// Ends every running stream whose lease has expired with `UNAVAILABLE "Stream writer lost."`
    /// (exactly once, by a conditional update) and notifies the instances.
    /// - Returns: The ids ended.
    func loseExpiredStreams() async throws -> [StreamID] {
        let t = StoredOutcome(.failure(.writerLost))
        let rows = try await client.query("""
            WITH lost AS (
                UPDATE \(unescaped: tables.streams)
                SET status = \(t.status), output = NULL, error_status = \(t.errorStatus), error_message = \(t.errorMessage),
                    error_details = NULL, finished_at = now() + \(shiftMilliseconds()) * interval '1 millisecond',
                    lease_expires_at = NULL
                WHERE status = 'running' AND lease_expires_at < now()
                RETURNING id
            )
            SELECT lost.id, pg_notify(\(channel), 't:' || lost.id)::text FROM lost
            """, logger: logger)
        var lost: [StreamID] = []
        for try await row in rows { if let id = StreamID(try row.makeRandomAccess()[0].decode(String.self)) { lost.append(id) } }
        return lost
    }

    // MARK: Re-checks and retention

    /// The chunk count and status of the streams among `ids` that exist.
    func marks(ids streamIDs: [StreamID]) async throws -> [StreamID: StreamMark] {
        guard !streamIDs.isEmpty else { return [:] }
        let ids = streamIDs.map(\.rawValue)
        let rows = try await client.query("""
            SELECT id, status, chunk_count FROM \(unescaped: tables.streams) WHERE id = ANY(\(ids)::text[])
            """, logger: logger)
        var marks: [StreamID: StreamMark] = [:]
        for try await (id, status, count) in rows.decode((String, String, Int).self) {
            if let id = StreamID(id) { marks[id] = StreamMark(chunkCount: count, finished: status != "running") }
        }
        return marks
    }

    /// Deletes up to `limit` finished streams (with their chunks) that finished at least `retention` ago.
    /// - Returns: How many streams were deleted.
    func deleteExpiredStreams(retentionMilliseconds: Int, limit: Int) async throws -> Int {
        let rows = try await client.query("""
            WITH gone AS (
                DELETE FROM \(unescaped: tables.streams) WHERE id IN (
                    SELECT id FROM \(unescaped: tables.streams)
                    WHERE finished_at IS NOT NULL
                      AND finished_at <= now() + (\(shiftMilliseconds()) - \(retentionMilliseconds)) * interval '1 millisecond'
                    LIMIT \(limit))
                RETURNING id
            ), c AS (
                DELETE FROM \(unescaped: tables.chunks) USING gone WHERE \(unescaped: tables.chunks).stream_id = gone.id
            )
            SELECT count(*) FROM gone
            """, logger: logger)
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
