/// How one flow is served.
public struct FlowRouteOptions: Sendable {
    /// Stores streams so clients can resume them. `nil` (the default): plain streaming, and a client
    /// disconnect cancels the flow.
    public var streamManager: (any StreamManager)?
    /// Runs durable flows detached from their requests, and holds the limits (running streams,
    /// chunk size, write buffer) and metrics of every streaming run of the route. Required with a
    /// stream manager (`FlowServer` supplies its own); without one, plain streams run unlimited.
    public var runner: FlowRunner?
    /// Decides who is calling, on every request. `nil`: everyone, with no context.
    public var contextProvider: ContextProvider?
    /// FlowStreams' protocol extensions (ids and keep-alives on opt-in, `Last-Event-ID` offsets).
    /// `false` makes the route behave exactly like a Genkit server. Defaults to `true`.
    public var extensionsEnabled: Bool = true
    /// Silence after which a keep-alive comment is sent to requests that opted in. Defaults to 15 seconds.
    public var keepAliveInterval: Duration = .seconds(15)
    /// The `retry:` the EventSource endpoint sends, in milliseconds. Defaults to 1000.
    public var retryMilliseconds: Int = 1000
    /// The header a trusted reverse proxy sets to the client's address (e.g. `X-Forwarded-For`); its
    /// last entry names a caller without a principal for the runner's per-client limit. `nil` (the
    /// default): the connection's remote address, as the framework adapter passes it.
    public var clientAddressHeader: String?

    /// - Parameters:
    ///   - streamManager: Where streams are stored, if they should be durable.
    ///   - runner: The runner of durable flows (required with a stream manager).
    ///   - contextProvider: Who is calling.
    public init(
        streamManager: (any StreamManager)? = nil,
        runner: FlowRunner? = nil,
        contextProvider: ContextProvider? = nil
    ) {
        self.streamManager = streamManager
        self.runner = runner
        self.contextProvider = contextProvider
    }
}
