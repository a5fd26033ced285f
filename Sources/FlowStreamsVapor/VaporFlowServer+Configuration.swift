public import FlowStreams
public import Foundation

extension VaporFlowServer {
    /// The same settings as the Hummingbird `FlowServer.Configuration`, with the same defaults.
    public struct Configuration: Sendable {
        /// The address to bind. Defaults to `127.0.0.1`; use `0.0.0.0` in containers.
        public var host: String = "127.0.0.1"
        /// The port. `nil` (the default): the `PORT` environment variable, else 3400. 0 picks a free port.
        public var port: Int?
        /// A prefix for every flow path, e.g. `/api`. Defaults to none.
        public var pathPrefix: String = ""
        /// The largest request body accepted; larger ones get 413. Defaults to 1 MiB (Vapor's own
        /// default of 16 KB does not apply to flow routes).
        public var bodyLimit: Int = 1 << 20
        /// Origins allowed by CORS. `nil` (the default): `*`, without credentials.
        public var allowedOrigins: [String]?
        /// Whether CORS allows credentials (cookies); needs `allowedOrigins`. Defaults to `false`.
        public var allowCredentials: Bool = false
        /// How long running flows may finish after SIGTERM/SIGINT. Defaults to 30 seconds. Vapor's
        /// `shutdownTimeout` becomes this plus 10 seconds.
        public var gracePeriod: Duration = .seconds(30)
        /// FlowStreams' protocol extensions; `false` behaves exactly like a Genkit server. Defaults to `true`.
        public var extensionsEnabled: Bool = true
        /// Silence after which opted-in readers get a keep-alive comment. Defaults to 15 seconds.
        /// Vapor notices a reader that went away only when a write fails, so this also bounds how
        /// long a dead reader of a silent stream goes unnoticed.
        public var keepAliveInterval: Duration = .seconds(15)
        /// The `retry:` of the EventSource endpoint, in milliseconds. Defaults to 1000.
        public var retryMilliseconds: Int = 1000
        /// The runner's write-buffer limits (its grace period is `gracePeriod`).
        public var runner: FlowRunner.Configuration = .init()

        public init() {}

        /// The port to bind: `port`, else `PORT` from the environment, else 3400.
        public func resolvedPort(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
            if let port { return port }
            if let value = environment["PORT"], let port = Int(value), (0...65535).contains(port) { return port }
            return 3400
        }
    }
}
