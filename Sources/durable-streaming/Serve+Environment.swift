import ArgumentParser
import Foundation
import Logging

/// What `serve` reads from its environment, for containers and platforms that configure a process
/// that way: `PORT`, `HOST`, `FLOWSTREAMS_STORE` and `LOG_LEVEL`. A flag given on the command line
/// wins over its variable; an unset or empty variable counts as absent.
///
/// ```bash
/// PORT=8080 HOST=0.0.0.0 FLOWSTREAMS_STORE=memory durable-streaming   # listens on 0.0.0.0:8080
/// PORT=8080 durable-streaming --port 9000                             # the flag wins: 9000
/// ```
struct ServeEnvironment {
    static let portVariable = "PORT"
    static let hostVariable = "HOST"
    static let storeVariable = "FLOWSTREAMS_STORE"
    static let logLevelVariable = "LOG_LEVEL"

    /// The variables, by name.
    let variables: [String: String]

    init(_ variables: [String: String] = ProcessInfo.processInfo.environment) {
        self.variables = variables
    }

    /// The value of `name`, or `nil` when it is unset or empty.
    func value(_ name: String) -> String? {
        guard let text = variables[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        return text
    }

    /// `PORT` as a port number (`nil` when unset, or when it is no port number: ``checkPort()`` refuses that).
    var port: Int? { value(Self.portVariable).flatMap(Self.portNumber) }
    var host: String? { value(Self.hostVariable) }
    var store: String? { value(Self.storeVariable) }
    var logLevel: String? { value(Self.logLevelVariable) }

    static func portNumber(_ text: String) -> Int? {
        guard let port = Int(text), (0...65_535).contains(port) else { return nil }
        return port
    }

    static func logLevel(_ text: String) -> Logger.Level? { Logger.Level(rawValue: text.lowercased()) }

    static let logLevelNames = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")

    /// Refuses a `PORT` that is set but is no port number.
    func checkPort() throws {
        if let text = value(Self.portVariable), Self.portNumber(text) == nil {
            throw ValidationError("\(Self.portVariable) must be a port number from 0 to 65535, not '\(text)' (or pass --port).")
        }
    }

    /// Refuses a `LOG_LEVEL` that names no level.
    func checkLogLevel() throws {
        if let text = logLevel, Self.logLevel(text) == nil {
            throw ValidationError("\(Self.logLevelVariable) must be one of \(Self.logLevelNames), not '\(text)' (or pass --log-level).")
        }
    }
}

// MARK: - The options of `serve`: the flag, else the variable, else the default

extension Serve {
    var environment: ServeEnvironment { ServeEnvironment() }

    /// `--port`, else `$PORT`, else 3500.
    var port: Int { portOption ?? environment.port ?? 3500 }

    /// `--host`, else `$HOST`, else 127.0.0.1.
    var host: String { hostOption ?? environment.host ?? "127.0.0.1" }

    /// `--store`, else `$FLOWSTREAMS_STORE`, else `sqlite:./durable-streaming.sqlite`.
    var store: String { storeOption ?? environment.store ?? "sqlite:./durable-streaming.sqlite" }

    /// `--log-level`, else `$LOG_LEVEL`, else info.
    var logLevel: Logger.Level {
        (logLevelOption ?? environment.logLevel).flatMap(ServeEnvironment.logLevel) ?? .info
    }

    /// Refuses a malformed variable that no flag overrides, a port out of range and an unknown `--log-level`.
    /// (A malformed `--store` is refused when the server starts.)
    func validateEnvironment() throws {
        if let portOption {
            guard ServeEnvironment.portNumber(String(portOption)) != nil else {
                throw ValidationError("--port must be a port number from 0 to 65535, not \(portOption).")
            }
        } else {
            try environment.checkPort()
        }
        if storeOption == nil, let text = environment.store, (try? StoreOption(text)) == nil {
            throw ValidationError(
                "\(ServeEnvironment.storeVariable) must be sqlite:PATH, memory or postgres://USER@HOST:PORT/DATABASE, not '\(text)' (or pass --store).")
        }
        if let logLevelOption {
            guard ServeEnvironment.logLevel(logLevelOption) != nil else {
                throw ValidationError("--log-level must be one of \(ServeEnvironment.logLevelNames), not '\(logLevelOption)'.")
            }
        } else {
            try environment.checkLogLevel()
        }
    }
}
