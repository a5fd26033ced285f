import Testing
import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsPostgres
import FlowStreamsSQLite
import Foundation
import Logging
import PostgresNIO
import TestSupport

/// The stream managers the durable HTTP items (C14–C22, X1) run against, from one test body each.
enum DurableStore: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite
    case postgres

    /// Every store; PostgreSQL when `FLOWSTREAMS_POSTGRES_URL` is set (scripts/test starts one) or
    /// under `CI=true`, where its absence fails the run.
    static var allCases: [DurableStore] { PostgresTestServer.isRequired ? [.memory, .sqlite, .postgres] : [.memory, .sqlite] }

    var testDescription: String { rawValue }

    /// `withFlowServer` on `framework` with a new store of this kind (SQLite: a file in a temporary
    /// directory, removed afterwards; PostgreSQL: a schema of its own, its client run by the server).
    func withServer<T: Sendable>(
        framework: Framework = .hummingbird,
        configure: (inout FlowServer.Configuration) -> Void = { _ in },
        logs: LogCapture? = nil,
        flows: (inout FlowMounts) -> Void,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        switch self {
        case .memory:
            return try await withFlowServer(framework: framework, streamManager: InMemoryStreamManager(), configure: configure,
                                            logs: logs, flows: flows, body)
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("flowstreams-http-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let manager = try SQLiteStreamManager(
                path: directory.appendingPathComponent("streams.sqlite").path,
                logger: Logger(label: "test-sqlite") { _ in SwiftLogNoOpLogHandler() })
            return try await withFlowServer(framework: framework, streamManager: manager, configure: configure, logs: logs, flows: flows, body)
        case .postgres:
            // The schema is migrated and the pool connected before the server starts, as in production
            // where the manager's run() has done it long before the first request.
            var configuration = PostgresStreamManager.Configuration()
            configuration.schema = PostgresTestServer.newSchema()
            let client = PostgresClient(
                configuration: try PostgresTestServer.clientConfiguration(applicationName: configuration.schema),
                backgroundLogger: PostgresTestServer.quietLogger)
            let manager = try PostgresStreamManager(client: client, configuration: configuration, logger: PostgresTestServer.quietLogger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                defer { group.cancelAll() }
                try await manager.migrate()
                return try await withFlowServer(framework: framework, streamManager: manager, configure: configure, logs: logs, flows: flows, body)
            }
        }
    }
}
