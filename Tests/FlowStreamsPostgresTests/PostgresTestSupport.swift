import FlowStreams
import FlowStreamsPostgres
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

/// A running `PostgresClient` and a manager (its `run()` going) on a schema of its own, removed at
/// the end. Create with `start`, end with `stop`.
final class PostgresFixture: Sendable {
    let client: PostgresClient
    let manager: PostgresStreamManager
    let schema: String
    /// Moves the database's clock for the manager's finish times and retention.
    let clockShift: DatabaseClockShift
    private let task: Task<Void, Never>

    private init(
        client: PostgresClient, manager: PostgresStreamManager, schema: String, clockShift: DatabaseClockShift,
        task: Task<Void, Never>
    ) {
        self.client = client
        self.manager = manager
        self.schema = schema
        self.clockShift = clockShift
        self.task = task
    }

    /// - Parameters:
    ///   - schema: The schema (a new one by default; pass another fixture's to share its streams).
    ///   - runManager: Whether to run the manager's `run()` (listening, leases, sweeps).
    ///   - configure: Adjusts the manager's configuration.
    static func start(
        schema: String = PostgresTestServer.newSchema(), runManager: Bool = true,
        configure: (inout PostgresStreamManager.Configuration) -> Void = { _ in }
    ) async throws -> PostgresFixture {
        let client = PostgresClient(
            configuration: try PostgresTestServer.clientConfiguration(applicationName: schema), backgroundLogger: PostgresTestServer.quietLogger)
        var configuration = PostgresStreamManager.Configuration()
        configuration.schema = schema
        configuration.storageWindow = .seconds(5)
        configuration.statementTimeout = .seconds(1)
        configure(&configuration)
        let clockShift = DatabaseClockShift()
        let manager = try PostgresStreamManager(
            client: client, configuration: configuration, clockShift: clockShift, logger: PostgresTestServer.quietLogger)
        let task = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                if runManager { group.addTask { try? await manager.run() } }
            }
        }
        try await manager.migrate()
        return PostgresFixture(client: client, manager: manager, schema: schema, clockShift: clockShift, task: task)
    }

    /// Stops the manager and the client; drops the schema when `dropSchema`.
    func stop(dropSchema: Bool = true) async {
        if dropSchema {
            _ = try? await client.query("DROP SCHEMA \(unescaped: "\"\(schema)\"") CASCADE")
        }
        task.cancel()
        await task.value
    }

    /// Runs `body` with a fixture, stopping it afterwards (also when `body` throws).
    static func with<T>(
        runManager: Bool = true, configure: (inout PostgresStreamManager.Configuration) -> Void = { _ in },
        _ body: (PostgresFixture) async throws -> T
    ) async throws -> T {
        let fixture = try await start(runManager: runManager, configure: configure)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }
}
