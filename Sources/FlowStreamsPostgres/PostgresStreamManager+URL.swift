public import PostgresNIO
import Foundation

extension PostgresClient.Configuration {
    /// A configuration from a `postgres://user:password@host:port/database` URL (also
    /// `postgresql://`). TLS is off unless the URL has `sslmode=require` (then required) or
    /// `sslmode=prefer`.
    /// - Returns: `nil` when the URL is not a PostgreSQL URL with a host.
    public init?(flowStreamsURL url: String) {
        guard let components = URLComponents(string: url),
              components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty else { return nil }
        let tls: TLS
        switch components.queryItems?.first(where: { $0.name == "sslmode" })?.value {
        case "require", "verify-ca", "verify-full": tls = .require(.makeClientConfiguration())
        case "prefer": tls = .prefer(.makeClientConfiguration())
        default: tls = .disable
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        self.init(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: tls)
    }
}
