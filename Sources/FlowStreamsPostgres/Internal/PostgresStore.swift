import FlowStreams
import Logging
import PostgresNIO
import Synchronization

/// What the manager and its writers share: the queries, this instance's live streams and reader
/// hubs, and the schema's readiness.
final class PostgresStore: Sendable {
    let queries: Queries
    let configuration: PostgresStreamManager.Configuration
    let logger: Logger
    /// This instance's name in the `instance` column (diagnosis only).
    let instance: String
    let retry: StorageRetry
    let hubs = ReaderHubs()
    private let migration: Migration
    private let migrated = Mutex(false)
    /// Streams opened here whose terminal is not stored yet.
    let live = LiveStreams()
    /// Added to the database's clock for finish times and retention (tests move time with it).
    private let timeShift: TimeShift

    init(client: PostgresClient, configuration: PostgresStreamManager.Configuration, instance: String, logger: Logger) {
        let tables = Tables(schema: configuration.schema)
        let timeShift = TimeShift()
        self.timeShift = timeShift
        queries = Queries(
            client: client, tables: tables, channel: configuration.effectiveChannel, logger: logger,
            shiftMilliseconds: { Int(timeShift.value.withLock { $0 }.wholeMilliseconds) })
        self.configuration = configuration
        self.logger = logger
        self.instance = instance
        retry = StorageRetry(window: configuration.storageWindow, attemptTimeout: configuration.statementTimeout, logger: logger)
        migration = Migration(client: client, tables: tables, schema: configuration.schema, logger: logger)
    }

    var leaseMilliseconds: Int { Int(configuration.leaseExpiry.wholeMilliseconds) }

    func advanceTime(by duration: Duration) {
        timeShift.value.withLock { $0 += duration }
    }

    // MARK: Database access

    /// Runs `body` once the schema is migrated, retrying storage errors for the storage window.
    /// - Throws: `FlowError`s and `CancellationError` from `body`; `UNAVAILABLE "Storage unavailable."`
    ///   (logged) when storage failed.
    func perform<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Queries) async throws -> T) async throws -> T {
        do {
            return try await retry.run(what) { [self] in
                try await migrate()
                return try await body(queries)
            }
        } catch is StorageFailure {
            throw FlowError.storageUnavailable
        }
    }

    /// Applies the migrations now (once per manager).
    func migrate() async throws {
        guard !migrated.withLock({ $0 }) else { return }
        try await migration.ensure()
        migrated.withLock { $0 = true }
    }

    // MARK: Ending streams

    /// Stores the terminal of a stream whose end was decided here (finish or cancel), then wakes its
    /// readers and forgets it. When storage fails, readers here get `UNAVAILABLE "Storage
    /// unavailable."`; readers elsewhere get `UNAVAILABLE "Stream writer lost."` once the lease expires.
    /// - Returns: Whether the terminal was stored (`false`: another one was stored first).
    func storeTerminal(of stream: LiveStream, _ outcome: StreamOutcome, what: String) async throws -> Bool {
        do {
            let stored = try await perform(what) { try await $0.storeTerminal(id: stream.id, outcome: outcome) }
            live.unregister(stream)
            hubs.signal(stream.id.rawValue)
            return stored
        } catch let error as FlowError where error == .storageUnavailable {
            endForStorageFailure(stream)
            throw error
        }
    }

    /// Storage failed for the storage window: the stream ends for its readers here at once; `run()`
    /// stores that terminal once the database answers again (until then, readers elsewhere see the
    /// stream running, then lost when its lease expires).
    func endForStorageFailure(_ stream: LiveStream) {
        stream.overrideTerminal(.failure(.storageUnavailable))
        hubs.signal(stream.id.rawValue)
        logger.debug("stream ended: storage unavailable", metadata: ["flowstreams.stream.id": "\(stream.id)"])
    }

    /// Stores the terminals that storage failures kept in memory, once each, without retrying.
    func storePendingTerminals() async {
        for stream in live.all {
            guard let (_, outcome) = stream.overriddenTerminal else { continue }
            do {
                _ = try await queries.storeTerminal(id: stream.id, outcome: outcome)
                live.unregister(stream)
            } catch {
                logger.debug("pending terminal not stored yet", metadata: ["flowstreams.postgres.error": "\(StorageRetry.describe(error))"])
            }
        }
    }

    /// Another instance stored the terminal of a stream written here (a cancel, an expired lease):
    /// the flow is told to stop, and the writer may not append any more.
    func finishedElsewhere(_ id: String) {
        guard let streamID = StreamID(id), let stream = live.stream(streamID) else { return }
        if stream.finishedElsewhere() {
            logger.debug("stream ended by another instance", metadata: ["flowstreams.stream.id": "\(id)"])
            stream.fireCancel()
        }
        live.unregister(stream)
    }
}

/// Applies the schema's migrations once per manager, on first use (or from `run()`); a failed
/// attempt is tried again by the next caller.
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

/// How far tests moved the database's clock.
private final class TimeShift: Sendable {
    let value = Mutex<Duration>(.zero)
}
