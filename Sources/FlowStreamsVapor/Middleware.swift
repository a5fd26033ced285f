import FlowStreams
import HTTPTypes
import Logging
import Vapor

/// CORS as PROTOCOL.md lists it (``FlowCORSPolicy``); a preflight is answered 204 before routing.
struct FlowCORSMiddleware: AsyncMiddleware {
    let policy: FlowCORSPolicy

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let origin = request.headers.first(name: .origin)
        let isPreflight = request.method == .OPTIONS && request.headers.contains(name: .accessControlRequestMethod)
        let response = isPreflight ? Response(status: .noContent) : try await next.respond(to: request)
        for field in policy.headers(origin: origin, preflight: isPreflight) {
            response.headers.replaceOrAdd(name: field.name.rawName, value: field.value)
        }
        return response
    }
}

/// Answers a path that matches no flow with `404 NOT_FOUND` JSON, and a body over a route's limit
/// with `413 RESOURCE_EXHAUSTED`, instead of Vapor's own error bodies.
struct FlowErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch let error as any AbortError where error.status == .notFound || error.status == .methodNotAllowed {
            return Response(flow: .noSuchFlow, on: request)
        } catch let error as any AbortError where error.status == .payloadTooLarge {
            return Response(flow: .bodyTooLarge, on: request)
        }
    }
}

/// One access-log line per request at info: method, path (stream ids replaced by `:id`), status.
/// Stream ids are secrets: Vapor's own route log, which prints them, is not used.
struct AccessLogMiddleware: AsyncMiddleware {
    let logger: Logger

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        logger.info("request", metadata: [
            "http.method": "\(request.method.rawValue)",
            "http.path": "\(Self.redactedPath(request.url.path))",
            "http.status": "\(response.status.code)",
        ])
        return response
    }

    static func redactedPath(_ path: String) -> String {
        guard let range = path.range(of: "/streams/") else { return path }
        return path[..<range.upperBound] + ":id"
    }
}
