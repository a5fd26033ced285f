public import Logging

/// What the ready-made servers — Hummingbird's `FlowServer` and `VaporFlowServer` — have in common,
/// written once: one ``FlowServerConfiguration``, a stream manager, a context provider, the runner
/// made from them, and the flows mounted by name or path under the configured prefix. Each server
/// adds only how it serves them.
public protocol FlowServerProtocol: Sendable {
    /// The flows and what they share.
    @_spi(Server) var flows: FlowServerRoutes { get set }
    @_spi(Server) init(flows: FlowServerRoutes)
}

extension FlowServerProtocol {
    /// - Parameters:
    ///   - configuration: Address, prefix, limits, CORS, grace period.
    ///   - streamManager: Where streams are stored; `nil` for plain (non-resumable) streaming.
    ///   - contextProvider: Who is calling, for every flow that does not bring its own.
    ///   - logger: The server's logger (access log at info, the rest at debug).
    public init(
        configuration: FlowServerConfiguration = .init(),
        streamManager: (any StreamManager)? = nil,
        contextProvider: ContextProvider? = nil,
        logger: Logger
    ) {
        self.init(flows: FlowServerRoutes(
            configuration: configuration, streamManager: streamManager, contextProvider: contextProvider, logger: logger))
    }

    /// The server's settings.
    public var configuration: FlowServerConfiguration { flows.configuration }
    /// The store of every durable flow of this server (`nil`: plain streaming).
    public var streamManager: (any StreamManager)? { flows.streamManager }
    /// Runs the durable flows; started and stopped with the server.
    public var runner: FlowRunner { flows.runner }

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
        flows.addFlow(flow, path: path, contextProvider: contextProvider)
    }
}
