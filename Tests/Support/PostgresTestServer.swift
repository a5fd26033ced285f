public import FlowStreamsPostgres
import Foundation
public import Logging
public import PostgresNIO
public import Testing

/// The PostgreSQL server the tests use: `FLOWSTREAMS_POSTGRES_URL` (scripts/test starts one with
/// scripts/postgres). Without it the suites are skipped, which fails the run under `CI=true`.
public enum PostgresTestServer {
    public static let url = ProcessInfo.processInfo.environment["FLOWSTREAMS_POSTGRES_URL"]

    public static var isAvailable: Bool { url != nil }

    /// Whether tests must run against PostgreSQL: a server is given, or `CI=true` (where its absence fails).
    public static var isRequired: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] == "true" }

    public static let skipMessage: Comment = "FLOWSTREAMS_POSTGRES_URL is not set: run scripts/test (or scripts/postgres swift test)"

    /// - Parameter applicationName: Names the connections (tests kill them by it).
    public static func clientConfiguration(applicationName: String = "flowstreams-tests") throws -> PostgresClient.Configuration {
        guard let url, var configuration = PostgresClient.Configuration(flowStreamsURL: url) else {
            throw TestSupportError("FLOWSTREAMS_POSTGRES_URL is not set or not a postgres:// URL")
        }
        configuration.options.maximumConnections = 8
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    /// A schema name no other test uses.
    public static func newSchema() -> String {
        "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
    }

    /// Silent, unless `PG_TEST_LOG` is set (then debug lines go to standard error).
    public static let quietLogger = Logger(label: "test-postgres") { label in
        guard ProcessInfo.processInfo.environment["PG_TEST_LOG"] != nil else { return SwiftLogNoOpLogHandler() }
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .debug
        return handler
    }
}

