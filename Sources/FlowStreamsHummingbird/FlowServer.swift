@_spi(Server) public import FlowStreams
import FlowStreamsNIO
public import Hummingbird
import HummingbirdCore
public import Logging
import ServiceLifecycle
public import UnixSignals
import Foundation
import NIOCore

/// A ready-made server for many flows: mounts them by name or path under a prefix, with CORS, a
/// body limit, connection limits, an access log, the port from configuration, and graceful shutdown
/// on SIGTERM/SIGINT.
///
/// ```swift
/// var server = FlowServer(streamManager: InMemoryStreamManager(), logger: logger)
/// server.addFlow(streamy)
/// server.addFlow(streamyThrowy, path: "/api/throwy")
/// try await server.run()
/// ```
public struct FlowServer: FlowServerProtocol {
    /// The settings, shared with Vapor's `VaporFlowServer`.
    public typealias Configuration = FlowServerConfiguration

    @_spi(Server) public var flows: FlowServerRoutes
    private var extraRoutes: [@Sendable (Router<BasicRequestContext>) -> Void] = []

    @_spi(Server) public init(flows: FlowServerRoutes) {
        self.flows = flows
    }

    /// Adds routes of your own (a page, a health check) next to the flows.
    public mutating func addRoutes(_ configure: @escaping @Sendable (Router<BasicRequestContext>) -> Void) {
        extraRoutes.append(configure)
    }

    /// The router with every flow, the CORS, not-found and access-log middleware. Served by an
    /// application of your own, it has none of the connection limits and no remote address for the
    /// per-client limit (`run()` adds both).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: AccessLogMiddleware(log: FlowAccessLog(logger: flows.logger)))
        router.add(middleware: FlowCORSMiddleware(policy: configuration.cors))
        router.add(middleware: NotFoundMiddleware())
        for route in flows.routes {
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
        let logger = flows.logger
        let limits = ConnectionLimits(configuration, logger: logger)
        let app = Application(
            responder: ConnectionAddressResponder(router: makeRouter().buildResponder()),
            server: .http1(configuration: httpConfiguration(limits)),
            configuration: .init(address: .hostname(configuration.host, port: configuration.resolvedPort())),
            onServerRunning: { channel in
                do {
                    try await FlowConnectionPipeline.configureListener(channel, limits: limits, configuringConnections: false).get()
                } catch {
                    logger.error("cannot pause accepting on errors", metadata: ["flowstreams.error": "\(error)"])
                }
                await onServerRunning(channel.localAddress?.port ?? 0)
            },
            logger: logger)
        let services = flows.services + [ShutdownAnnouncer(app: app, runner: runner)]
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: shutdownSignals, logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.gracePeriod + .seconds(10)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// The HTTP/1 channel: header limits in Hummingbird's decoder; read deadline, idle timeout,
    /// connection count and keep-alive handling by the shared connection handlers.
    private func httpConfiguration(_ limits: ConnectionLimits) -> HTTP1Channel.Configuration {
        .init(
            additionalChannelHandlers: [FlowConnectionPipeline.Installer(limits: limits)],
            idleTimeout: nil,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: limits.maximumHeaderBytes,
                maxHeaderListSize: limits.maximumHeaderBytes,
                maxHeaderFieldCount: limits.maximumHeaderCount))
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
