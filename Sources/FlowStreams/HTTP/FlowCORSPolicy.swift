public import HTTPTypes

/// Which web pages of other origins may call the server from a browser (CORS), written once for
/// every framework: methods GET, POST, DELETE, OPTIONS; the stream headers allowed and exposed.
///
/// Off by default: no CORS headers, and every preflight is refused with `403`, so a page of another
/// origin can neither read answers nor send the JSON POSTs and DELETEs that start and cancel runs.
/// A page served by the server itself (same origin) needs no CORS.
///
/// ```swift
/// configuration.cors = .allowing(origins: ["https://app.example"], credentials: true)
/// configuration.cors = .allowingAnyOrigin   // `*`, never with credentials
/// ```
public struct FlowCORSPolicy: Sendable, Hashable {
    public static let allowMethods = "GET, POST, DELETE, OPTIONS"
    public static let allowHeaders = "content-type, authorization, x-genkit-stream-id, last-event-id, x-flowstreams-sse"
    public static let exposeHeaders = "x-genkit-stream-id, x-genkit-stream-offset"

    private enum Origins: Hashable {
        case none
        case any
        case listed(Set<String>)
    }

    private let origins: Origins
    /// Whether browsers may send credentials (cookies); only with a list of origins.
    public let allowsCredentials: Bool

    private init(origins: Origins, credentials: Bool) {
        self.origins = origins
        self.allowsCredentials = credentials
    }

    /// No cross-origin access (the default): no CORS headers; preflights get `403`.
    public static let disabled = FlowCORSPolicy(origins: .none, credentials: false)

    /// Every origin, answered `Access-Control-Allow-Origin: *` and never with credentials: for a
    /// public API whose callers authenticate with headers, not cookies.
    public static let allowingAnyOrigin = FlowCORSPolicy(origins: .any, credentials: false)

    /// Only the listed origins, each echoed back with `Vary: Origin`.
    /// - Parameters:
    ///   - origins: Origins as browsers send them: scheme, host and port (`https://app.example:8443`).
    ///   - credentials: Whether those pages may send cookies (`Access-Control-Allow-Credentials: true`).
    ///     Defaults to `false`.
    public static func allowing(origins: [String], credentials: Bool = false) -> FlowCORSPolicy {
        FlowCORSPolicy(origins: .listed(Set(origins)), credentials: credentials)
    }

    /// Whether a page of `origin` may call the server.
    public func allows(origin: String) -> Bool {
        switch origins {
        case .none: return false
        case .any: return true
        case .listed(let listed): return listed.contains(origin)
        }
    }

    /// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`), given before
    /// routing: `204` with the allow lists for an allowed origin, else `403 PERMISSION_DENIED`.
    /// - Returns: `nil` when the request is not a preflight.
    public func preflightResponse(method: HTTPRequest.Method, headers: HTTPFields) -> FlowHTTPResponse? {
        guard method == .options, headers[.accessControlRequestMethod] != nil else { return nil }
        guard let origin = headers[.origin], allows(origin: origin) else { return Self.refusedPreflight }
        var response = FlowHTTPResponse(status: .noContent, headers: originHeaders(origin))
        response.headers[.accessControlAllowMethods] = Self.allowMethods
        response.headers[.accessControlAllowHeaders] = Self.allowHeaders
        response.headers[.accessControlMaxAge] = "600"
        return response
    }

    /// The headers to add to the answer to any other request: none without an `Origin` or for an
    /// origin not allowed.
    public func responseHeaders(requestHeaders: HTTPFields) -> HTTPFields {
        guard let origin = requestHeaders[.origin], allows(origin: origin) else { return [:] }
        return originHeaders(origin)
    }

    private func originHeaders(_ origin: String) -> HTTPFields {
        var headers = HTTPFields()
        if case .any = origins {
            headers[.accessControlAllowOrigin] = "*"
        } else {
            headers[.accessControlAllowOrigin] = origin
            headers[.vary] = "Origin"
            if allowsCredentials { headers[.accessControlAllowCredentials] = "true" }
        }
        headers[.accessControlExposeHeaders] = Self.exposeHeaders
        return headers
    }

    static let refusedPreflight = FlowHTTPResponse.error(
        FlowError(status: .permissionDenied, message: "Cross-origin requests from this origin are not allowed."))
}
