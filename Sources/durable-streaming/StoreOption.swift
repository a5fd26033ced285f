import ArgumentParser
import FlowStreams
import FlowStreamsPostgres
import FlowStreamsSQLite
import Logging
import PostgresNIO

/// The `--store` option: `sqlite:PATH` (the default, `./durable-streaming.sqlite`), `memory`, or a
/// `postgres://user:password@host:port/database` URL (shared by many server instances).
struct StoreOption {
    enum Kind {
        case memory
        case sqlite(path: String)
        case postgres(PostgresClient.Configuration)
    }

    let kind: Kind

    init(_ text: String) throws {
        if text == "memory" {
            kind = .memory
        } else if text.hasPrefix("sqlite:"), text.count > "sqlite:".count {
            kind = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else if text.hasPrefix("postgres"), let configuration = PostgresClient.Configuration(flowStreamsURL: text) {
            kind = .postgres(configuration)
        } else {
            throw ValidationError("--store must be sqlite:PATH, memory or postgres://USER@HOST:PORT/DATABASE, not '\(text)'.")
        }
    }

    /// - Parameter leaseExpiry: The PostgreSQL lease expiry (`nil`: the default, 15 s).
    func makeManager(leaseExpiry: Duration?, logger: Logger) throws -> any StreamManager {
        switch kind {
        case .memory:
            return InMemoryStreamManager()
        case .sqlite(let path):
            return try SQLiteStreamManager(path: path, logger: logger)
        case .postgres(let clientConfiguration):
            var configuration = PostgresStreamManager.Configuration()
            if let leaseExpiry { configuration.leaseExpiry = leaseExpiry }
            return try PostgresStreamManager(clientConfiguration: clientConfiguration, configuration: configuration, logger: logger)
        }
    }
}
