import FlowStreams
import Hummingbird
import HTTPTypes
import Logging
import NIOCore

/// CORS as PROTOCOL.md lists it: methods GET, POST, DELETE, OPTIONS; the stream headers allowed and
/// exposed; origins configurable, `*` without credentials by default.
struct FlowCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    static var allowMethods: String { "GET, POST, DELETE, OPTIONS" }
    static var allowHeaders: String { "content-type, authorization, x-genkit-stream-id, last-event-id, x-flowstreams-sse" }
    static var exposeHeaders: String { "x-genkit-stream-id, x-genkit-stream-offset" }

    let allowedOrigins: [String]?
    let allowCredentials: Bool

    init(configuration: FlowServer.Configuration) {
        allowedOrigins = configuration.allowedOrigins
        allowCredentials = configuration.allowCredentials && configuration.allowedOrigins != nil
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let origin = request.headers[.origin]
        let isPreflight = request.method == .options && request.headers[.accessControlRequestMethod] != nil
        var response = isPreflight ? Response(status: .noContent) : try await next(request, context)
        guard let origin else { return response }
        if let allowedOrigins {
            guard allowedOrigins.contains(origin) else { return response }
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.vary] = "Origin"
            if allowCredentials { response.headers[.accessControlAllowCredentials] = "true" }
        } else {
            response.headers[.accessControlAllowOrigin] = "*"
        }
        response.headers[.accessControlExposeHeaders] = Self.exposeHeaders
        if isPreflight {
            response.headers[.accessControlAllowMethods] = Self.allowMethods
            response.headers[.accessControlAllowHeaders] = Self.allowHeaders
            response.headers[.accessControlMaxAge] = "600"
        }
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

/// One access-log line per request at info: method, path (stream ids replaced by `:id`), status.
/// Stream ids are secrets: they appear only at debug level.
struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        logger.info("request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.path": "\(Self.redactedPath(request.uri.path))",
            "http.status": "\(response.status.code)",
        ])
        return response
    }

    static func redactedPath(_ path: String) -> String {
        guard let range = path.range(of: "/streams/") else { return path }
        return path[..<range.upperBound] + ":id"
    }
}
