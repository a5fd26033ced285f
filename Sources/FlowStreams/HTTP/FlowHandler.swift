public import HTTPTypes
public import Logging

/// Serves one flow over HTTP, framework-neutral: parses the request, asks the context provider,
/// runs or resumes, and answers with a `FlowHTTPResponse` (docs/PROTOCOL.md). The Hummingbird and Vapor
/// modules only adapt requests and response bodies to it.
public struct FlowHandler: Sendable {
    /// The name streams of this route are stored under (a stream of another route is not found here).
    public let scopeName: String
    public let options: FlowRouteOptions
    let flow: ErasedFlow
    let logger: Logger
    let metrics: FlowMetrics
    /// Write buffer and chunk limits of this route's runs.
    let limits: ChunkBuffer.Limits

    /// - Parameters:
    ///   - flow: The flow to serve.
    ///   - scopeName: The name its streams belong to; defaults to the flow's name.
    ///   - options: Stream manager, runner, context provider, extensions.
    ///   - logger: Where request errors are logged (at debug; flow failures at error).
    public init<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>,
        scopeName: String? = nil,
        options: FlowRouteOptions,
        logger: Logger
    ) {
        precondition(options.streamManager == nil || options.runner != nil,
                     "a route with a stream manager needs a FlowRunner (FlowRouteOptions.runner)")
        self.flow = ErasedFlow(flow)
        self.scopeName = scopeName ?? flow.name
        self.options = options
        self.logger = logger
        let runnerConfiguration = options.runner?.configuration ?? FlowRunner.Configuration()
        self.metrics = runnerConfiguration.metrics
        self.limits = runnerConfiguration.bufferLimits
    }

    /// The handler of a route a framework adapter adds: `flow` at `path` (`/<flow name>` when `nil`),
    /// its streams scoped to that path, logging to `logger` (nowhere when `nil`).
    package init<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>, servedAt path: String?, options: FlowRouteOptions, logger: Logger?
    ) {
        self.init(flow, scopeName: path ?? "/\(flow.name)", options: options,
                  logger: logger ?? Logger(label: "FlowStreams", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// `POST <flow path>`: runs the flow, streams it, or resumes a stream. A body that is not JSON
    /// (by its `Content-Type`) is refused with `415`, except for a resume without a body.
    /// - Parameters:
    ///   - request: The request head (method, path with query, headers).
    ///   - body: The collected request body.
    ///   - remoteAddress: The connection's peer address (`127.0.0.1`), which names a caller without a
    ///     principal for the per-client running-stream limit; `nil` when unknown.
    public func handleRun(_ request: HTTPRequest, body: [UInt8], remoteAddress: String? = nil) async -> FlowHTTPResponse {
        await answering { try await run(request, body: body, remoteAddress: remoteAddress) }
    }

    /// `DELETE <flow path>/streams/<id>`: cancels a stream (202), already finished (204), or not visible (404).
    public func handleCancel(_ request: HTTPRequest, streamID rawID: String) async -> FlowHTTPResponse {
        await answering {
            let caller = try await callerContext(request, input: nil)
            guard let manager = options.streamManager else { throw FlowError.streamNotFound }
            let id = try streamID(rawID)
            do {
                switch try await manager.cancel(id, in: scope(caller)) {
                case .cancelled:
                    metrics.cancels.increment()
                    return FlowHTTPResponse(status: .accepted)
                case .alreadyFinished:
                    return FlowHTTPResponse(status: .noContent)
                }
            } catch let error as StreamManagerError where error.code == .notFound {
                metrics.notFoundAnswers.increment()
                throw error
            }
        }
    }

    /// `GET <flow path>/streams/<id>`: the stream for a browser's `EventSource` — `retry:` first, ids,
    /// keep-alives, resume after `Last-Event-ID` (header, else the `lastEventId` query parameter);
    /// `204` for a reconnect after the end; `404` for a stream this request may not see.
    public func handleRead(_ request: HTTPRequest, streamID rawID: String) async -> FlowHTTPResponse {
        await answering {
            let caller = try await callerContext(request, input: nil)
            guard let manager = options.streamManager else { throw FlowError.streamNotFound }
            let id = try streamID(rawID)
            let rawLastIndex = request.headerFields[.lastEventID]
                ?? QueryParameters(path: request.path ?? "")["lastEventId"]
            let lastIndex = try rawLastIndex.map(parseLastEventID)
            let events: StreamEvents
            do {
                events = try await manager.subscribe(id, after: lastIndex, in: scope(caller))
            } catch let error as StreamManagerError where error.code == .notFound {
                metrics.notFoundAnswers.increment()
                throw error
            }
            // Only a finished stream read after its terminal event (Last-Event-ID: C) starts at the
            // index the reader already has: 204 tells EventSource to stop reconnecting.
            if let lastIndex, events.startIndex == lastIndex {
                return FlowHTTPResponse(status: .noContent)
            }
            if lastIndex != nil { metrics.resumes.increment() }
            var headers = Self.sseHeaders
            if let lastIndex { headers[.genkitStreamOffset] = String(lastIndex + 1) }
            let keepAlive = options.keepAliveInterval
            let retry = SSEEncoder.retry(milliseconds: options.retryMilliseconds)
            let metrics = self.metrics
            return FlowHTTPResponse(status: .ok, headers: headers, body: .stream(StreamingBody { write in
                metrics.openReaders.increment()
                defer { metrics.openReaders.decrement() }
                try await SSEWriter.write(events, ids: true, keepAlive: keepAlive, first: retry, to: write)
            }))
        }
    }

    // MARK: POST: resume

    func resume(
        _ rawID: String, request: HTTPRequest, caller: CallerContext, manager: any StreamManager, optedIn: Bool
    ) async throws -> FlowHTTPResponse {
        let id = try streamID(rawID)
        var lastIndex: Int?
        if options.extensionsEnabled, let raw = request.headerFields[.lastEventID] {
            lastIndex = try parseLastEventID(raw)
        }
        let events: StreamEvents
        do {
            events = try await manager.subscribe(id, after: lastIndex, in: scope(caller))
        } catch let error as StreamManagerError where error.code == .notFound {
            logger.debug("resume of an unknown stream", metadata: ["flowstreams.stream.id": "\(id)"])
            metrics.noContentAnswers.increment()
            return FlowHTTPResponse(status: .noContent)
        }
        metrics.resumes.increment()
        return sseResponse(events, id: id, offset: lastIndex.map { $0 + 1 }, optedIn: optedIn)
    }

    func sseResponse(_ events: StreamEvents, id: StreamID?, offset: Int?, optedIn: Bool) -> FlowHTTPResponse {
        var headers = Self.sseHeaders
        if let id { headers[.genkitStreamID] = id.rawValue }
        if let offset { headers[.genkitStreamOffset] = String(offset) }
        let keepAlive = optedIn ? options.keepAliveInterval : nil
        let metrics = self.metrics
        return FlowHTTPResponse(status: .ok, headers: headers, body: .stream(StreamingBody { write in
            metrics.openReaders.increment()
            defer { metrics.openReaders.decrement() }
            try await SSEWriter.write(events, ids: optedIn, keepAlive: keepAlive, to: write)
        }))
    }

    static let sseHeaders: HTTPFields = [
        .contentType: "text/event-stream",
        .cacheControl: "no-cache",
        .accelBuffering: "no",
    ]

    // MARK: Shared steps

    /// Runs `body`, answering any error it throws with its status and JSON body.
    func answering(_ body: () async throws -> FlowHTTPResponse) async -> FlowHTTPResponse {
        do {
            return try await body()
        } catch let error as FlowError {
            return .error(error)
        } catch let error as StreamManagerError {
            return .error(error.flowError)
        } catch {
            logger.error("request failed", metadata: ["flowstreams.error": "\(String(reflecting: error))"])
            return .error(.internalError)
        }
    }

    func callerContext(_ request: HTTPRequest, input: JSONBytes?) async throws -> CallerContext {
        guard let provider = options.contextProvider else { return CallerContext() }
        do {
            return try await provider(ContextRequest(method: request.method, headers: request.headerFields, input: input))
        } catch let error as FlowError {
            throw error
        } catch {
            logger.error("context provider failed", metadata: ["flowstreams.error": "\(String(reflecting: error))"])
            throw FlowError.internalError
        }
    }

    func scope(_ caller: CallerContext) -> StreamScope {
        StreamScope(flow: scopeName, principal: caller.principal)
    }

    func streamID(_ raw: String) throws(FlowError) -> StreamID {
        guard let id = StreamID(raw) else {
            throw FlowError(status: .invalidArgument,
                            message: "Stream id must be 1 to 128 characters from A-Z, a-z, 0-9, '-' and '_'.")
        }
        return id
    }

    func parseLastEventID(_ raw: String) throws(FlowError) -> Int {
        guard let index = Int(raw.trimmingASCIISpaces()), index >= -1 else {
            throw FlowError(status: .outOfRange, message: "Last-Event-ID must be an integer of at least -1.")
        }
        return index
    }
}
