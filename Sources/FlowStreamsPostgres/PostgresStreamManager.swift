public import FlowStreams
import Foundation
public import Logging
public import PostgresNIO
public import ServiceLifecycle

/// Keeps streams in PostgreSQL, so any number of server instances share them: a stream started on
/// one instance is resumed, followed live and cancelled from any other.
///
/// A writer's batch is one statement that checks the stream still runs with the chunks this writer
/// stored (fencing), inserts the rows, renews the lease and sends `pg_notify`; readers read pages of
/// committed rows from their own index and wait for a wake-up: a local commit, a notification from
/// another instance (one `LISTEN` connection per instance), or a periodic re-check. The table is the
/// truth; a notification is only a hint. Leases, in database time, are renewed by `run()` for the
/// streams this instance writes; any instance ends a stream whose lease expired with `UNAVAILABLE
/// "Stream writer lost."`, exactly once.
///
/// A `PostgresClient` passed in must be running (it is a `Service`: put it in the same `ServiceGroup`,
/// before the manager); one the manager makes from a configuration is run by the manager's `run()`. The schema is migrated on the first operation or by `run()`, safely when several
/// instances start at once.
///
/// ```swift
/// let client = PostgresClient(configuration: .init(host: "db", username: "app", password: pw,
///                                                  database: "app", tls: .disable))
/// let streams = try PostgresStreamManager(client: client, logger: logger)
/// let services = ServiceGroup(services: [client, streams, server], logger: logger)
/// ```
public final class PostgresStreamManager: StreamManager, Service {
    public let configuration: Configuration
    let store: PostgresStore
    /// Whether `run()` also runs the client (the manager made it).
    let ownsClient: Bool

    /// - Parameters:
    ///   - client: The connection pool; run it (`client.run()`) for as long as the manager is used.
    ///   - configuration: Schema, leases, retention, paging, storage window.
    ///   - logger: Debug logs; storage failures at error. Stream ids only at debug.
    /// - Throws: `PostgresStreamManagerError` `.invalidConfiguration` for a schema or channel name
    ///   outside `[A-Za-z0-9_]`, or a lease renewal not shorter than the lease expiry.
    public convenience init(client: PostgresClient, configuration: Configuration = .init(), logger: Logger) throws {
        try self.init(client: client, ownsClient: false, configuration: configuration, logger: logger)
    }

    /// Makes its own `PostgresClient`, which `run()` runs: one service to add instead of two.
    /// - Parameters:
    ///   - clientConfiguration: Where the database is (see `PostgresClient.Configuration(flowStreamsURL:)`).
    ///   - configuration: Schema, leases, retention, paging, storage window.
    ///   - logger: Debug logs; storage failures at error. Stream ids only at debug.
    /// - Throws: `PostgresStreamManagerError` `.invalidConfiguration`.
    public convenience init(
        clientConfiguration: PostgresClient.Configuration, configuration: Configuration = .init(), logger: Logger
    ) throws {
        let client = PostgresClient(configuration: clientConfiguration, backgroundLogger: logger)
        try self.init(client: client, ownsClient: true, configuration: configuration, logger: logger)
    }

    private init(client: PostgresClient, ownsClient: Bool, configuration: Configuration, logger: Logger) throws {
        guard Tables.isIdentifier(configuration.schema), Tables.isIdentifier(configuration.effectiveChannel) else {
            throw PostgresStreamManagerError(
                code: .invalidConfiguration, reason: "schema and channel names may only use letters, digits and _")
        }
        let renewal = configuration.effectiveLeaseRenewal
        guard renewal < configuration.leaseExpiry, renewal > Duration.zero else {
            throw PostgresStreamManagerError(
                code: .invalidConfiguration, reason: "the lease renewal must be positive and shorter than the lease expiry")
        }
        self.configuration = configuration
        self.ownsClient = ownsClient
        store = PostgresStore(
            client: client, configuration: configuration, instance: UUID().uuidString.lowercased(), logger: logger)
    }

    // MARK: StreamManager

    public func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter {
        let stream = LiveStream(id: id)
        guard store.live.register(stream) else { throw FlowError.streamExists }
        let store = self.store
        do {
            let inserted = try await store.perform("open") { queries in
                try await queries.insertStream(id: id, scope: scope, instance: store.instance, leaseMilliseconds: store.leaseMilliseconds)
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
            if (try? result.get()) != false { stream.fireCancel() }
            return try result.get() ? .cancelled : .alreadyFinished
        }
        guard stored.outcome == nil else { return .alreadyFinished }
        // Running on another instance: store CANCELLED; its listener (or lease renewal) stops the flow.
        let cancelled = try await Task {
            try await store.perform("cancel") { try await $0.storeTerminal(id: id, outcome: .failure(.streamCancelled)) }
        }.value
        if cancelled { store.hubs.signal(id.rawValue) }
        return cancelled ? .cancelled : .alreadyFinished
    }

    /// The stream's row, if `scope` may see it.
    /// - Throws: `NOT_FOUND`; `UNAVAILABLE "Storage unavailable."`.
    private func visibleStream(_ id: StreamID, in scope: StreamScope, what: String) async throws -> StoredStream {
        let stored = try await store.perform(what) { try await $0.stream(id: id) }
        guard let stored, scope.canSee(flow: stored.flow, owner: stored.owner) else { throw FlowError.streamNotFound }
        return stored
    }
}
