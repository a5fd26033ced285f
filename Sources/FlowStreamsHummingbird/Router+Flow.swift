public import FlowStreams
public import Hummingbird
import HTTPTypes
public import Logging
import NIOCore

extension Router {
    /// Puts a flow on this router, for an application you build yourself (a `FlowServer` does it
    /// for you): `POST <path>` runs, streams and resumes it, `GET <path>/streams/<id>` reads a stream
    /// for a browser's `EventSource`, `DELETE <path>/streams/<id>` cancels one.
    ///
    /// ```swift
    /// let runner = FlowRunner(logger: logger)
    /// router.addFlow(streamy, options: .init(streamManager: InMemoryStreamManager(), runner: runner))
    /// // add `runner` (and the manager, when it is a Service) to the app's ServiceGroup
    /// ```
    /// Callers without a principal count against `runner.maximumRunningStreamsPerClient` by their
    /// remote address when the router's context knows it (`RemoteAddressRequestContext`, as a
    /// `FlowServer`'s does); otherwise only the global and per-principal limits apply.
    /// - Parameters:
    ///   - flow: The flow.
    ///   - path: The route; `/<flow name>` by default.
    ///   - options: Stream manager, runner, context provider, extensions.
    ///   - bodyLimit: The largest request body accepted; a larger one gets 413. Defaults to 1 MiB.
    ///   - logger: Where request errors and flow failures are logged; nowhere by default.
    @discardableResult
    public func addFlow<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>,
        at path: String? = nil,
        options: FlowRouteOptions = .init(),
        bodyLimit: Int = 1 << 20,
        logger: Logger? = nil
    ) -> Self {
        let handler = FlowHandler(flow, servedAt: path, options: options, logger: logger)
        addFlowHandler(handler, at: handler.scopeName, bodyLimit: bodyLimit)
        return self
    }

    func addFlowHandler(_ handler: FlowHandler, at path: String, bodyLimit: Int) {
        post(RouterPath(path)) { request, context -> Response in
            var request = request
            let body: ByteBuffer
            do {
                body = try await request.collectBody(upTo: bodyLimit)
            } catch is NIOTooManyBytesError {
                return Response(FlowHTTPResponse.bodyTooLarge, request: request)
            }
            // A context of your own that knows the connection names it; a FlowServer's responder sets it.
            let remoteAddress = (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress
                ?? ConnectionAddress.current
            let response = await handler.handleRun(
                request.head, body: Array(body.readableBytesView), remoteAddress: remoteAddress)
            return Response(response, request: request)
        }
        get(RouterPath("\(path)/streams/:id")) { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return Response(await handler.handleRead(request.head, streamID: id), request: request)
        }
        delete(RouterPath("\(path)/streams/:id")) { request, context -> Response in
            let id = context.parameters.get("id") ?? ""
            return Response(await handler.handleCancel(request.head, streamID: id), request: request)
        }
    }
}

extension Response {
    /// Adapts a framework-neutral response. A streaming body runs inside
    /// `consumeWithCancellationOnInboundClose`, so it is cancelled as soon as the client goes away.
    init(_ response: FlowHTTPResponse, request: Request) {
        switch response.body {
        case .bytes(let bytes):
            self.init(status: response.status, headers: response.headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .stream(let stream):
            // Hummingbird closes the connection after a body run inside consumeWithCancellationOnInboundClose:
            // say so, so keep-alive clients do not reuse it.
            var headers = response.headers
            headers[.connection] = "close"
            self.init(status: response.status, headers: headers, body: ResponseBody { [request] writer in
                try await request.body.consumeWithCancellationOnInboundClose { _ in
                    try await stream.write { bytes in try await writer.write(ByteBuffer(bytes: bytes)) }
                }
                try await writer.finish(nil)
            })
        }
    }
}
