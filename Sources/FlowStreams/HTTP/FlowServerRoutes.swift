package import Logging
package import ServiceLifecycle

/// What the ready-made servers (Hummingbird's `FlowServer`, Vapor's `VaporFlowServer`) share: the
/// configuration, the runner made from it, and the flows mounted under the path prefix, each with
/// its framework-neutral handler. The servers only put these on their routers.
@_spi(Server) public struct FlowServerRoutes: Sendable {
    package let configuration: FlowServerConfiguration
    package let streamManager: (any StreamManager)?
    package let runner: FlowRunner
    package let contextProvider: ContextProvider?
    package let logger: Logger
    /// Every flow mounted, with its full path.
    package private(set) var routes: [(path: String, handler: FlowHandler)] = []

    package init(
        configuration: FlowServerConfiguration,
        streamManager: (any StreamManager)?,
        contextProvider: ContextProvider?,
        logger: Logger
    ) {
        self.configuration = configuration
        self.streamManager = streamManager
        self.contextProvider = contextProvider
        self.logger = logger
        self.runner = FlowRunner(configuration: configuration.runnerConfiguration, logger: logger)
    }

    /// Mounts a flow at `<prefix>/<name>`, or at `<prefix><path>` when a path is given.
    package mutating func addFlow<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>, path: String?, contextProvider: ContextProvider?
    ) {
        let fullPath = configuration.path(forFlow: flow.name, path: path)
        var options = FlowRouteOptions(
            streamManager: streamManager,
            runner: runner,
            contextProvider: contextProvider ?? self.contextProvider)
        options.extensionsEnabled = configuration.extensionsEnabled
        options.keepAliveInterval = configuration.keepAliveInterval
        options.retryMilliseconds = configuration.retryMilliseconds
        options.clientAddressHeader = configuration.clientAddressHeader
        routes.append((fullPath, FlowHandler(flow, scopeName: fullPath, options: options, logger: logger)))
    }

    /// The services to run beside the HTTP server, in start order: the manager (when it is a
    /// `Service`), then the runner.
    package var services: [any Service] { Self.services(streamManager: streamManager, runner: runner) }

    /// The manager (when it is a `Service`), then the runner.
    package static func services(streamManager: (any StreamManager)?, runner: FlowRunner) -> [any Service] {
        var services: [any Service] = []
        if let managerService = streamManager as? any Service { services.append(managerService) }
        services.append(runner)
        return services
    }
}
