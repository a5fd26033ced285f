public import FlowStreams
public import Logging
import HTTPTypes
import NIOCore
public import Vapor

extension RoutesBuilder {
    /// Registers a flow's three routes on a Vapor application or route group you configure
    /// yourself (a `VaporFlowServer` does it for you). The POST route runs, streams and resumes the
    /// flow; the GET route under `streams/:id` is the `EventSource` endpoint; DELETE there cancels.
    ///
    /// ```swift
    /// let runner = FlowRunner(logger: app.logger)
    /// app.addFlow(streamy, options: .init(streamManager: InMemoryStreamManager(), runner: runner))
    /// app.lifecycle.use(FlowLifecycle(runner: runner, streamManager: manager, logger: app.logger))
    /// ```
    /// - Parameters:
    ///   - flow: The flow.
    ///   - path: The route; `/<flow name>` by default.
    ///   - options: Stream manager, runner, context provider, extensions.
    ///   - bodyLimit: The largest request body accepted; larger ones get 413 `RESOURCE_EXHAUSTED`.
    ///     Defaults to 1 MiB (not Vapor's 16 KB: the route collects its body itself).
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
        let components = path.split(separator: "/").map { PathComponent.constant(String($0)) }
        let streamComponents = components + [.constant("streams"), .parameter("id")]
        // Vapor refuses a body of exactly `max` bytes: + 1 accepts one of `bodyLimit` bytes.
        let max = bodyLimit == .max ? bodyLimit : bodyLimit + 1
        // `.stream`: the body is collected here, up to our limit, so an oversized one gets our 413 JSON.
        on(.POST, components, body: .stream) { request async throws -> Response in
            let body: ByteBuffer?
            do {
                body = try await request.body.collect(max: max).get()
            } catch let error as any AbortError where error.status == .payloadTooLarge {
                return Response(flow: .bodyTooLarge, on: request)
            }
            // A body that arrived with the head is handed over already collected, unchecked.
            if let body, body.readableBytes > bodyLimit { return Response(flow: .bodyTooLarge, on: request) }
            let response = await handler.handleRun(
                HTTPRequest(request), body: body.map { Array($0.readableBytesView) } ?? [],
                remoteAddress: request.remoteAddress?.ipAddress)
            return Response(flow: response, on: request)
        }
        on(.GET, streamComponents, body: .collect(maxSize: ByteCount(value: max))) { request async throws -> Response in
            let id = request.parameters.get("id") ?? ""
            return Response(flow: await handler.handleRead(HTTPRequest(request), streamID: id), on: request)
        }
        on(.DELETE, streamComponents, body: .collect(maxSize: ByteCount(value: max))) { request async throws -> Response in
            let id = request.parameters.get("id") ?? ""
            return Response(flow: await handler.handleCancel(HTTPRequest(request), streamID: id), on: request)
        }
    }
}
