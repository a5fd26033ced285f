public import FlowStreams
public import Hummingbird
import HummingbirdCore
public import Logging
import ServiceLifecycle
public import UnixSignals
import Foundation
import NIOCore

/// A ready-made server for many flows: mounts them by name or path under a prefix, with CORS, a
/// body limit, an access log, the port from configuration, and graceful shutdown on SIGTERM/SIGINT.
///
/// ```swift
/// var server = FlowServer(streamManager: InMemoryStreamManager(), logger: logger)
/// server.addFlow(streamy)
/// server.addFlow(streamyThrowy, path: "/api/throwy")
/// try await server.run()
/// ```
public struct FlowServer: Sendable {
    public let configuration: Configuration
    /// The store of every durable flow of this server (`nil`: plain streaming).
    public let streamManager: (any StreamManager)?
    /// Runs the durable flows; started and stopped by `run()`.
    public let runner: FlowRunner
    private let contextProvider: ContextProvider?
    private let logger: Logger
    private var routes: [(path: String, handler: FlowHandler)] = []
    private var extraRoutes: [@Sendable (Router<BasicRequestContext>) -> Void] = []

    /// - Parameters:
    ///   - configuration: Address, prefix, limits, CORS, grace period.
    ///   - streamManager: Where streams are stored; `nil` for plain (non-resumable) streaming.
    ///   - contextProvider: Who is calling, for every flow that does not bring its own.
    ///   - logger: The server's logger (access log at info, the rest at debug).
    public init(
        configuration: Configuration = .init(),
        streamManager: (any StreamManager)? = nil,
        contextProvider: ContextProvider? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.streamManager = streamManager
        self.contextProvider = contextProvider
        self.logger = logger
        var runnerConfiguration = configuration.runner
        runnerConfiguration.gracePeriod = configuration.gracePeriod
        self.runner = FlowRunner(configuration: runnerConfiguration, logger: logger)
    }

    /// Mounts a flow at `<prefix>/<name>`, or at `<prefix><path>` when a path is given.
    /// - Parameters:
    ///   - flow: The flow.
    ///   - path: An explicit path, e.g. `/api/chat`.
    ///   - contextProvider: Overrides the server's context provider for this flow.
    public mutating func addFlow<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>,
        path: String? = nil,
        contextProvider: ContextProvider? = nil
    ) {
        let fullPath = Self.join(configuration.pathPrefix, path ?? "/\(flow.name)")
        var options = FlowRouteOptions(
            streamManager: streamManager,
            runner: runner,
            contextProvider: contextProvider ?? self.contextProvider)
        options.extensionsEnabled = configuration.extensionsEnabled
        options.keepAliveInterval = configuration.keepAliveInterval
        options.retryMilliseconds = configuration.retryMilliseconds
        routes.append((fullPath, FlowHandler(flow, scopeName: fullPath, options: options, logger: logger)))
    }

    /// Adds routes of your own (a page, a health check) next to the flows.
    public mutating func addRoutes(_ configure: @escaping @Sendable (Router<BasicRequestContext>) -> Void) {
        extraRoutes.append(configure)
    }

    /// The router with every flow, the CORS, not-found and access-log middleware.
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessLogMiddleware(logger: logger))
        router.add(middleware: FlowCORSMiddleware(configuration: configuration))
        router.add(middleware: NotFoundMiddleware())
        for route in routes {
            router.addFlowHandler(route.handler, at: route.path, bodyLimit: configuration.bodyLimit)
        }
        for configure in extraRoutes { configure(router) }
        return router
    }

    /// Serves until SIGTERM or SIGINT (or until the task is cancelled), then shuts down gracefully:
    /// stops accepting, lets running flows finish for the grace period, ends the rest with
    /// `UNAVAILABLE "Server shutting down."`.
    /// - Parameters:
    ///   - shutdownSignals: The signals that start a graceful shutdown. Defaults to SIGTERM and SIGINT.
    ///   - onServerRunning: Called with the bound port once the server listens.
    public func run(
        shutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let app = Application(
            router: makeRouter(),
            server: .http1(configuration: httpConfiguration),
            configuration: .init(address: .hostname(configuration.host, port: configuration.resolvedPort())),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        var services: [any Service] = []
        if let managerService = streamManager as? any Service { services.append(managerService) }
        services.append(runner)
        services.append(ShutdownAnnouncer(app: app, runner: runner))
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: shutdownSignals, logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.gracePeriod + .seconds(10)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The HTTP/1 limits: header size and count, idle timeout, request read deadline.
    private var httpConfiguration: HTTP1Channel.Configuration {
        let deadline = configuration.requestReadDeadline
        let logger = logger
        return .init(
            additionalChannelHandlers: [RequestReadDeadline.Installer(deadline: deadline, logger: logger)],
            idleTimeout: TimeAmount(configuration.idleTimeout),
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: configuration.maximumHeaderBytes,
                maxHeaderListSize: configuration.maximumHeaderBytes,
                maxHeaderFieldCount: configuration.maximumHeaderCount))
    }

    static func join(_ prefix: String, _ path: String) -> String {
        let trimmedPrefix = prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
        let normalizedPath = path.hasPrefix("/") ? path : "/" + path
        let joined = trimmedPrefix + normalizedPath
        return joined.hasPrefix("/") ? joined : "/" + joined
    }
}

/// Runs the HTTP application and, the moment graceful shutdown begins, starts the runner's grace
/// period, so running flows are ended while the server drains their readers (not after).
struct ShutdownAnnouncer<App: ApplicationProtocol>: Service {
    let app: App
    let runner: FlowRunner

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            runner.beginShutdown()
        }
    }
}
