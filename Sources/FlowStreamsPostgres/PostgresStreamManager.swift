@_spi(Engine) public import FlowStreams
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
public final class PostgresStreamManager: EngineBackedStreamManager, Service {
    public let configuration: Configuration
    let engine: DurableStreamManager<PostgresStorage>
    @_spi(Engine) public var durableEngine: any StreamManager { engine }

    /// - Parameters:
    ///   - client: The connection pool; run it (`client.run()`) for as long as the manager is used.
    ///   - configuration: Schema, leases, retention, paging, storage window.
    ///   - logger: Debug logs; storage failures at error. Stream ids only at debug.
    /// - Throws: `PostgresStreamManagerError` `.invalidConfiguration` for a schema or channel name
    ///   outside `[A-Za-z0-9_]`, or a lease renewal not shorter than the lease expiry.
    public convenience init(client: PostgresClient, configuration: Configuration = .init(), logger: Logger) throws {
        try self.init(client: client, ownsClient: false, configuration: configuration, clockShift: nil, logger: logger)
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
        try self.init(client: client, ownsClient: true, configuration: configuration, clockShift: nil, logger: logger)
    }

    /// A manager whose database clock (finish times, retention) is moved by `clockShift` (test seam).
    package convenience init(
        client: PostgresClient, configuration: Configuration, clockShift: DatabaseClockShift, logger: Logger
    ) throws {
        try self.init(client: client, ownsClient: false, configuration: configuration, clockShift: clockShift, logger: logger)
    }

    private init(
        client: PostgresClient, ownsClient: Bool, configuration: Configuration, clockShift: DatabaseClockShift?, logger: Logger
    ) throws {
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
        let storage = PostgresStorage(
            client: client, ownsClient: ownsClient, configuration: configuration, clockShift: clockShift, logger: logger)
        var settings = DurableConfiguration(retention: configuration.retention)
        settings.pageSize = configuration.pageSize
        settings.storageWindow = configuration.storageWindow
        settings.initialRetryDelay = .milliseconds(10)
        settings.attemptTimeout = configuration.statementTimeout
        settings.recheckInterval = configuration.recheckInterval
        settings.leaseRenewal = renewal
        settings.metrics = configuration.metrics
        engine = DurableStreamManager(storage: storage, configuration: settings, logger: logger)
    }
}
