import FlowStreams
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// CORS by the server's ``FlowCORSPolicy``: a preflight is answered before routing (`204`, or `403`
/// for an origin not allowed); other answers get the policy's headers.
struct FlowCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let policy: FlowCORSPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let preflight = policy.preflightResponse(method: request.method, headers: request.headers) {
            return Response(preflight, request: request)
        }
        var response = try await next(request, context)
        response.headers.append(contentsOf: policy.responseHeaders(requestHeaders: request.headers))
        return response
    }
}

/// Answers a path that matches no flow with `404 NOT_FOUND` JSON instead of an empty body.
struct NotFoundMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound || error.status == .methodNotAllowed {
            return Response(FlowHTTPResponse.noSuchFlow, request: request)
        }
    }
}

/// One access-log line per request at info (``FlowAccessLog``: stream ids replaced by `:id`).
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let log: FlowAccessLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        log.record(method: request.method.rawValue, path: request.uri.path, status: response.status.code)
        return response
    }
}
