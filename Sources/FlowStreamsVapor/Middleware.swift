import FlowStreams
import HTTPTypes
import Logging
import Vapor

/// CORS by the server's ``FlowCORSPolicy``: a preflight is answered before routing (`204`, or `403`
/// for an origin not allowed); other answers get the policy's headers.
struct FlowCORSMiddleware: AsyncMiddleware {
    let policy: FlowCORSPolicy

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let head = HTTPRequest(request)
        if let preflight = policy.preflightResponse(method: head.method, headers: head.headerFields) {
            return Response(flow: preflight, on: request)
        }
        let response = try await next.respond(to: request)
        for field in policy.responseHeaders(requestHeaders: head.headerFields) {
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

/// One access-log line per request at info (``FlowAccessLog``: stream ids replaced by `:id`).
/// Vapor's own route log, which prints stream ids, is not used.
struct AccessLogMiddleware: AsyncMiddleware {
    let log: FlowAccessLog

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        log.record(method: request.method.rawValue, path: request.url.path, status: Int(response.status.code))
        return response
    }
}
