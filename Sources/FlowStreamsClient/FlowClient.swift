public import AsyncHTTPClient
public import FlowStreamsWire
public import Logging
import NIOCore
import Synchronization

/// Calls flows served by FlowStreams or Genkit: `runFlow` for one answer, `streamFlow` for chunks and an
/// output, with durable streams resumed by themselves when the connection drops.
///
/// ```swift
/// try await withFlowClient { client in
///     let stream: FlowStream<Count, String> = try await client.streamFlow(url: "http://localhost:3500/streamy", input: 5)
///     print("stream id:", stream.streamID?.rawValue ?? "none")
///     for try await chunk in stream.chunks { print(chunk.count) }
///     print(try await stream.output)
/// }
/// ```
///
/// A client made without an `HTTPClient` makes its own (no read timeout, so a stream may stay silent for as
/// long as its flow thinks) and must be shut down with ``shutdown()``, or used inside ``withFlowClient(configuration:logger:isolation:_:)``.
/// A client given an `HTTPClient` never shuts it down: its owner does.
public final class FlowClient: Sendable {
    /// How the client connects, waits and resumes.
    public let configuration: Configuration
    /// The HTTP client every call goes through.
    public let httpClient: HTTPClient
    let logger: Logger
    /// Whether ``httpClient`` was made here, and so is shut down here.
    private let ownsHTTPClient: Bool
    private let isShutDown = Mutex(false)

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: Resume policy and time limits.
    ///   - httpClient: The HTTP client to use; it should have no read timeout (`HTTPClient.shared` cuts streams
    ///     that stay silent for 90 s). `nil` (the default): the client makes its own, which ``shutdown()`` ends.
    ///   - logger: Where resumes are logged, at debug level. Defaults to no logging.
    public init(configuration: Configuration = .init(), httpClient: HTTPClient? = nil, logger: Logger? = nil) {
        self.configuration = configuration
        self.logger = logger ?? Logger(label: "flowstreams.client") { _ in SwiftLogNoOpLogHandler() }
        if let httpClient {
            self.httpClient = httpClient
            self.ownsHTTPClient = false
        } else {
            let timeout = HTTPClient.Configuration.Timeout(connect: TimeAmount(configuration.connectTimeout), read: nil)
            var httpConfiguration = HTTPClient.Configuration(timeout: timeout)
            // A connection that fails (refused, unreachable) fails the attempt at once: the resume
            // loop retries with its own backoff and budget, instead of the pool retrying until the
            // connect timeout on every attempt.
            httpConfiguration.connectionPool.retryConnectionEstablishment = false
            self.httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: httpConfiguration)
            self.ownsHTTPClient = true
        }
    }

    deinit {
        // A client that was never shut down still releases the HTTP client it made.
        if ownsHTTPClient, !isShutDown.withLock({ $0 }) {
            _ = httpClient.shutdown()
        }
    }

    /// Shuts down the HTTP client this client made; does nothing to one passed in. Streams still open fail.
    /// - Throws: The HTTP client's shutdown error.
    public func shutdown() async throws {
        guard ownsHTTPClient else { return }
        let alreadyShutDown = isShutDown.withLock { value in
            defer { value = true }
            return value
        }
        guard !alreadyShutDown else { return }
        try await httpClient.shutdown()
    }

    // MARK: Cancel

    /// Cancels a durable stream: `DELETE <url>/streams/<id>`. The flow stops and readers get
    /// `CANCELLED "Stream cancelled."`.
    ///
    /// Leaving a stream (cancelling the task that reads it) never cancels its run; this does.
    /// - Parameters:
    ///   - url: The flow's URL, as given to ``streamFlow(url:input:streamID:headers:chunk:output:)``.
    ///   - streamID: The stream.
    ///   - headers: Extra request headers, such as `Authorization`.
    /// - Returns: `.cancelled` (`202`) when the stream was running, `.alreadyFinished` (`204`) otherwise.
    /// - Throws: ``FlowClientError``: NOT_FOUND when the server has no such stream for this caller (`404`),
    ///   the server's status for any other error, ``FlowClientError/Code/connectionFailed``.
    @discardableResult
    public func cancel(url: String, streamID: StreamID, headers: [String: String] = [:]) async throws -> CancelResult {
        var request = HTTPClientRequest(url: Self.streamURL(flowURL: url, streamID: streamID))
        request.method = .DELETE
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await execute(request, timeout: configuration.headTimeout)
        let body = try await collect(response.body)
        switch response.status.code {
        case 202: return .cancelled
        case 204: return .alreadyFinished
        default: throw FlowClientError.fromHTTPAnswer(status: Int(response.status.code), body: body)
        }
    }

    /// `<flow URL>/streams/<id>`, the query of the flow URL left out.
    static func streamURL(flowURL: String, streamID: StreamID) -> String {
        var base = flowURL.prefix { $0 != "?" && $0 != "#" }
        while base.hasSuffix("/") { base = base.dropLast() }
        return "\(base)/streams/\(streamID.rawValue)"
    }
}

/// Runs `body` with a new ``FlowClient`` and shuts the client down afterwards, also when `body` throws.
///
/// ```swift
/// let output: String = try await withFlowClient { client in
///     try await client.runFlow(url: "http://localhost:3400/echo", input: "hi")
/// }
/// ```
/// - Parameters:
///   - configuration: The client's configuration.
///   - logger: Where resumes are logged, at debug level. Defaults to no logging.
///   - body: What to do with the client.
/// - Returns: What `body` returns.
/// - Throws: What `body` throws, else the client's shutdown error.
public func withFlowClient<Result>(
    configuration: FlowClient.Configuration = .init(),
    logger: Logger? = nil,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (FlowClient) async throws -> sending Result
) async throws -> sending Result {
    let client = FlowClient(configuration: configuration, logger: logger)
    let result: Result
    do {
        result = try await body(client)
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
    return result
}
