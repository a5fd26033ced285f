import FlowStreams
import Logging
import PostgresNIO
import Synchronization

/// The storage steps of ``PostgresStreamManager``: one statement each (one round trip, one
/// snapshot, atomic), after the schema is migrated; leases in database time; one `LISTEN`
/// connection per instance for what other instances commit.
final class PostgresStorage: LeasingStorage {
    let queries: Queries
    let configuration: PostgresStreamManager.Configuration
    let logger: Logger
    /// This instance's name in the `instance` column (diagnosis only).
    let instance: String
    /// Whether `run` also runs the client (the manager made it).
    let ownsClient: Bool
    private let migration: Migration
    private let migrated = Mutex(false)

    init(
        client: PostgresClient, ownsClient: Bool, configuration: PostgresStreamManager.Configuration,
        clockShift: DatabaseClockShift?, logger: Logger
    ) {
        let tables = Tables(schema: configuration.schema)
        queries = Queries(
            client: client, tables: tables, channel: configuration.effectiveChannel, logger: logger,
            shiftMilliseconds: { clockShift.map { Int($0.offset.wholeMilliseconds) } ?? 0 })
        self.configuration = configuration
        self.logger = logger
        self.ownsClient = ownsClient
        instance = StreamID.random().rawValue
        migration = Migration(client: client, tables: tables, schema: configuration.schema, logger: logger)
    }

    var leaseMilliseconds: Int { Int(configuration.leaseExpiry.wholeMilliseconds) }

    /// Applies the migrations now (once per manager; a failed attempt is tried again by the next caller).
    func migrate() async throws {
        guard !migrated.withLock({ $0 }) else { return }
        try await migration.ensure()
        migrated.withLock { $0 = true }
    }

    // MARK: DurableStorage

    func create(_ id: StreamID, in scope: StreamScope) async throws -> Bool {
        try await migrate()
        return try await queries.insertStream(id: id, scope: scope, instance: instance, leaseMilliseconds: leaseMilliseconds)
    }

    func append(_ batches: [ChunkAppend]) async throws -> [AppendResult] {
        try await migrate()
        var results: [AppendResult] = []
        for batch in batches {
            results.append(try await queries.appendChunks(
                id: batch.id, chunks: batch.chunks, at: batch.base, leaseMilliseconds: leaseMilliseconds))
        }
        return results
    }

    func storeTerminal(_ outcome: StreamOutcome, of id: StreamID) async throws -> Bool {
        try await migrate()
        return try await queries.storeTerminal(id: id, outcome: outcome)
    }

    func stream(_ id: StreamID) async throws -> StoredStream? {
        try await migrate()
        return try await queries.stream(id: id)
    }

    func page(of id: StreamID, from index: Int, limit: Int) async throws -> StoredPage? {
        try await migrate()
        return try await queries.page(id: id, from: index, limit: limit)
    }

    func marks(of ids: [StreamID]) async throws -> [StreamID: StreamMark] {
        try await migrate()
        return try await queries.marks(ids: ids)
    }

    func removeExpired(retention: Duration) async throws -> Int {
        try await migrate()
        let batch = 500
        var removed = 0
        while true {
            let now = try await queries.deleteExpiredStreams(retentionMilliseconds: Int(retention.wholeMilliseconds), limit: batch)
            removed += now
            if now < batch { return removed }
        }
    }

    func renewLeases(of ids: [StreamID]) async throws -> Set<StreamID> {
        try await migrate()
        return try await queries.renewLeases(ids: ids, leaseMilliseconds: leaseMilliseconds)
    }

    func expireLeases() async throws -> [StreamID] {
        try await migrate()
        return try await queries.loseExpiredStreams()
    }

    func isTransient(_ error: any Error) -> Bool { PostgresErrors.isTransient(error) }

    func describe(_ error: any Error) -> String { PostgresErrors.describe(error) }

    // MARK: Notifications

    /// Runs the client when the manager made it, and holds one `LISTEN` connection for the channel
    /// (re-established with backoff; after every (re)connect everyone catches up from the table).
    func run(notifying notifications: StorageNotifications) async {
        await withTaskGroup(of: Void.self) { group in
            if ownsClient { group.addTask { await self.queries.client.run() } }
            group.addTask { await self.listen(notifying: notifications) }
        }
    }

    private func listen(notifying notifications: StorageNotifications) async {
        let channel = configuration.effectiveChannel
        var delay: Duration = .milliseconds(50)
        while !Task.isCancelled {
            do {
                try await migrate()
                try await queries.client.withConnection { connection in
                    try await connection.listen(on: channel) { events in
                        delay = .milliseconds(50)
                        await notifications.reconnected()
                        for try await event in events { Self.handle(event.payload, notifications) }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.debug("notification connection lost, reconnecting", metadata: [
                    "flowstreams.storage.error": "\(describe(error))",
                ])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    /// `c:<id>`: chunks were committed. `t:<id>`: a terminal was stored.
    private static func handle(_ payload: String, _ notifications: StorageNotifications) {
        guard payload.count > 2, let id = StreamID(payload.dropFirst(2)) else { return }
        if payload.hasPrefix("t:") { notifications.streamFinished(id) } else { notifications.streamChanged(id) }
    }
}

/// Applies the schema's migrations once per manager, on first use (or from `run()`).
private actor Migration {
    let client: PostgresClient
    let tables: Tables
    let schema: String
    let logger: Logger
    private var done = false

    init(client: PostgresClient, tables: Tables, schema: String, logger: Logger) {
        self.client = client
        self.tables = tables
        self.schema = schema
        self.logger = logger
    }

    func ensure() async throws {
        guard !done else { return }
        let applied = try await Schema.migrate(client, tables: tables, schemaName: schema, logger: logger)
        if !applied.isEmpty { logger.debug("applied migrations", metadata: ["flowstreams.migrations": "\(applied)"]) }
        done = true
    }
}

/// How far a test moved the database's clock for finish times and retention (test seam).
package final class DatabaseClockShift: Sendable {
    private let value = Mutex<Duration>(.zero)

    package init() {}

    package var offset: Duration { value.withLock { $0 } }

    package func advance(by duration: Duration) { value.withLock { $0 += duration } }
}
