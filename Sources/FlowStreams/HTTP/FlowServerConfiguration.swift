public import Foundation

/// The settings of a flow server, the same for Hummingbird (`FlowServer.Configuration`) and Vapor
/// (`VaporFlowServer.Configuration`): address, paths, request and connection limits, CORS, the
/// protocol options and the runner's limits, each with its default.
///
/// ```swift
/// var configuration = FlowServerConfiguration()
/// configuration.host = "0.0.0.0"
/// configuration.pathPrefix = "/api"
/// configuration.runner.maximumRunningStreamsPerClient = 20
/// ```
public struct FlowServerConfiguration: Sendable {
    // MARK: Address and paths

    /// The address to bind. Defaults to `127.0.0.1`; use `0.0.0.0` in containers.
    public var host: String = "127.0.0.1"
    /// The port. `nil` (the default): the `PORT` environment variable, else 3400. 0 picks a free port.
    public var port: Int?
    /// A prefix for every flow path, e.g. `/api`. Defaults to none.
    public var pathPrefix: String = ""

    // MARK: Requests and connections

    /// The largest request body accepted; larger ones get 413. Defaults to 1 MiB (on Vapor too:
    /// its own default of 16 KB does not apply to flow routes).
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
    /// The most connections open at once. When a new one arrives at the limit, the connection idle
    /// the longest is closed to make room; when none is idle, the new one is closed at once. Both
    /// are counted (`flowstreams_connections_over_limit_total`). `nil` (the default): the process's
    /// file limit less the headroom kept for the store and the streams' files
    /// (``resolvedMaximumConnections(fileLimit:)``).
    public var maximumConnections: Int?
    /// The header a trusted reverse proxy sets to the client's address (for example
    /// `X-Forwarded-For`); its last entry, the one that proxy added, names the client for
    /// `runner.maximumRunningStreamsPerClient`. `nil` (the default): the connection's remote address.
    /// Set it only behind a proxy that always sets the header: otherwise a client names itself.
    public var clientAddressHeader: String?
    /// Which pages of other origins may call the server from a browser. Defaults to
    /// ``FlowCORSPolicy/disabled``: none (a page served by this server needs no CORS).
    public var cors: FlowCORSPolicy = .disabled

    // MARK: Protocol

    /// FlowStreams' protocol extensions; `false` behaves exactly like a Genkit server. Defaults to `true`.
    public var extensionsEnabled: Bool = true
    /// Silence after which opted-in readers get a keep-alive comment. Defaults to 15 seconds. On
    /// Vapor, which notices a reader that went away only when a write fails, it also bounds how long
    /// a dead reader of a silent stream goes unnoticed.
    public var keepAliveInterval: Duration = .seconds(15)
    /// The `retry:` of the EventSource endpoint, in milliseconds. Defaults to 1000.
    public var retryMilliseconds: Int = 1000

    // MARK: Running flows

    /// How long running flows may finish after SIGTERM/SIGINT. Defaults to 30 seconds. On Vapor the
    /// server's `shutdownTimeout` becomes this plus 10 seconds.
    public var gracePeriod: Duration = .seconds(30)
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

    /// Where a flow is served: `<prefix>/<name>`, or `<prefix><path>` when a path is given, with
    /// exactly one `/` between segments (`"/api/"` and `"chat"` make `/api/chat`).
    public func path(forFlow name: String, path: String? = nil) -> String {
        let segments = (pathPrefix + "/" + (path ?? name)).split(separator: "/")
        return "/" + segments.joined(separator: "/")
    }

    /// The runner's configuration with this server's grace period.
    public var runnerConfiguration: FlowRunner.Configuration {
        var configuration = runner
        configuration.gracePeriod = gracePeriod
        return configuration
    }
}
