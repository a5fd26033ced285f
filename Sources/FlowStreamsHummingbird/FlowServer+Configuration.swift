public import FlowStreams
public import Foundation

extension FlowServer {
    public struct Configuration: Sendable {
        /// The address to bind. Defaults to `127.0.0.1`; use `0.0.0.0` in containers.
        public var host: String = "127.0.0.1"
        /// The port. `nil` (the default): the `PORT` environment variable, else 3400. 0 picks a free port.
        public var port: Int?
        /// A prefix for every flow path, e.g. `/api`. Defaults to none.
        public var pathPrefix: String = ""
        /// The largest request body accepted; larger ones get 413. Defaults to 1 MiB.
        public var bodyLimit: Int = 1 << 20
        /// The largest request head (request line and header fields together, and each field alone)
        /// accepted; a larger one is answered `400` with an empty body and the connection is closed.
        /// Defaults to 16 KiB.
        public var maximumHeaderBytes: Int = 16 << 10
        /// The most header fields a request may have; more are answered `400` with an empty body and the
        /// connection is closed. Defaults to 100.
        public var maximumHeaderCount: Int = 100
        /// How long a client has to send a whole request (head and body) once its first byte arrived;
        /// a client still sending after that is disconnected without an answer. Defaults to 10 seconds.
        public var requestReadDeadline: Duration = .seconds(10)
        /// How long a connection may stay open without a request (before the first one, or between
        /// keep-alive requests) before the server closes it. A response in progress, however silent,
        /// is never idle. Defaults to 60 seconds.
        public var idleTimeout: Duration = .seconds(60)
        /// Origins allowed by CORS. `nil` (the default): `*`, without credentials.
        public var allowedOrigins: [String]?
        /// Whether CORS allows credentials (cookies); needs `allowedOrigins`. Defaults to `false`.
        public var allowCredentials: Bool = false
        /// How long running flows may finish after SIGTERM/SIGINT. Defaults to 30 seconds.
        public var gracePeriod: Duration = .seconds(30)
        /// FlowStreams' protocol extensions; `false` behaves exactly like a Genkit server. Defaults to `true`.
        public var extensionsEnabled: Bool = true
        /// Silence after which opted-in readers get a keep-alive comment. Defaults to 15 seconds.
        public var keepAliveInterval: Duration = .seconds(15)
        /// The `retry:` of the EventSource endpoint, in milliseconds. Defaults to 1000.
        public var retryMilliseconds: Int = 1000
        /// The runner's limits: write buffer, chunk size, stream length, running streams (its grace
        /// period is `gracePeriod`).
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
