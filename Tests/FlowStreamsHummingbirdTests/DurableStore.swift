import Testing
import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsSQLite
import Foundation
import Logging
import TestSupport

/// The stream managers the durable HTTP items (C14–C22, X1) run against, from one test body each.
enum DurableStore: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite

    var testDescription: String { rawValue }

    /// `withFlowServer` on `framework` with a new store of this kind (SQLite: a file in a temporary
    /// directory, removed afterwards).
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
        }
    }
}
