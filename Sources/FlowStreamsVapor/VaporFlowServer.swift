@_spi(Server) public import FlowStreams
import FlowStreamsNIO
public import Logging
import ServiceLifecycle
public import UnixSignals
public import Vapor

/// A ready-made Vapor server for many flows, the counterpart of the Hummingbird `FlowServer`: mounts
/// them by name or path under a prefix, with CORS, a body limit, the same connection limits, an
/// access log, the port from configuration, and graceful shutdown on SIGTERM/SIGINT.
///
/// ```swift
/// var server = VaporFlowServer(streamManager: InMemoryStreamManager(), logger: logger)
/// server.addFlow(streamy)
/// try await server.run()
/// ```
/// Or put the flows on an application of your own with ``configure(_:)``.
public struct VaporFlowServer: FlowServerProtocol {
    /// The settings, shared with the Hummingbird `FlowServer`.
    public typealias Configuration = FlowServerConfiguration

    @_spi(Server) public var flows: FlowServerRoutes
    private var extraRoutes: [@Sendable (any RoutesBuilder) -> Void] = []

    @_spi(Server) public init(flows: FlowServerRoutes) {
        self.flows = flows
    }

    /// Adds routes of your own (a page, a health check) next to the flows.
    public mutating func addRoutes(_ configure: @escaping @Sendable (any RoutesBuilder) -> Void) {
        extraRoutes.append(configure)
    }

    /// Puts everything on `application`: the address and the connection limits of the
    /// configuration, the access-log, CORS and not-found middleware (replacing Vapor's defaults,
    /// whose route log would print stream ids), every flow, your routes, and a ``FlowLifecycle`` for
    /// the runner and the stream manager. The application's server becomes Vapor's HTTP server with
    /// the limits put into it when it starts (WebSocket upgrades are not supported on it).
    public func configure(_ application: Application) {
        _ = configureReturningLifecycle(application)
    }

    private func configureReturningLifecycle(_ application: Application) -> FlowLifecycle {
        let logger = flows.logger
        application.http.server.configuration.hostname = configuration.host
        application.http.server.configuration.port = configuration.resolvedPort()
        application.http.server.configuration.logger = logger
        application.http.server.configuration.idleTimeout = nil  // the connection handlers' own, never mid-response
        let limits = ConnectionLimits(configuration, logger: logger)
        application.servers.use { application in LimitedHTTPServer(server: application.http.server.shared, limits: limits) }
        application.middleware = Middlewares()
        application.middleware.use(AccessLogMiddleware(log: FlowAccessLog(logger: logger)))
        application.middleware.use(FlowCORSMiddleware(policy: configuration.cors))
        application.middleware.use(ErrorMiddleware.default(environment: application.environment))
        application.middleware.use(FlowErrorMiddleware())
        for route in flows.routes {
            application.addFlowHandler(route.handler, at: route.path, bodyLimit: configuration.bodyLimit)
        }
        for configure in extraRoutes { configure(application) }
        let lifecycle = FlowLifecycle(runner: runner, streamManager: streamManager, logger: logger)
        application.lifecycle.use(lifecycle)
        return lifecycle
    }

    /// Serves until SIGTERM or SIGINT (or until the task is cancelled), then shuts down gracefully:
    /// stops accepting runs, lets running flows finish for the grace period, ends the rest with
    /// `UNAVAILABLE "Server shutting down."`. A cancelled task ends everything at once.
    /// - Parameters:
    ///   - shutdownSignals: The signals that start a graceful shutdown. Defaults to SIGTERM and SIGINT.
    ///   - onServerRunning: Called with the bound port once the server listens.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        // No command-line arguments: Vapor's commands are not used, the caller parsed its own.
        let application = try await Application.make(
            Environment(name: "production", arguments: ["flowstreams"]), logger: flows.logger)
        let lifecycle = configureReturningLifecycle(application)
        let service = ApplicationService(application: application, lifecycle: lifecycle, onServerRunning: onServerRunning)
        let groupConfiguration = ServiceGroupConfiguration(
            services: [service], gracefulShutdownSignals: shutdownSignals, logger: flows.logger)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}

/// Runs a configured Vapor application as a service: boots it, starts its HTTP server, and on
/// graceful shutdown shuts it down (the ``FlowLifecycle`` gives running flows their grace period).
struct ApplicationService: Service {
    let application: Application
    let lifecycle: FlowLifecycle
    let onServerRunning: @Sendable (Int) async -> Void

    func run() async throws {
        do {
            try await application.asyncBoot()
            try await application.server.start(address: nil)
        } catch {
            try? await application.asyncShutdown()
            throw error
        }
        await onServerRunning(application.http.server.shared.localAddress?.port ?? 0)
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than asked to shut down: end the flows and the responses now.
            lifecycle.cancel(application)
        }
        try await application.asyncShutdown()
    }
}
