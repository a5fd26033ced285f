public import HTTPTypes

/// CORS as PROTOCOL.md lists it, framework-neutral: methods GET, POST, DELETE, OPTIONS; the stream
/// headers allowed and exposed; origins configurable, `*` without credentials by default. The Vapor
/// middleware adds these headers to its responses.
public struct FlowCORSPolicy: Sendable {
    public static let allowMethods = "GET, POST, DELETE, OPTIONS"
    public static let allowHeaders = "content-type, authorization, x-genkit-stream-id, last-event-id, x-flowstreams-sse"
    public static let exposeHeaders = "x-genkit-stream-id, x-genkit-stream-offset"

    /// Origins allowed; `nil`: `*`, without credentials.
    public let allowedOrigins: [String]?
    /// Whether credentials are allowed (only with an explicit origin list).
    public let allowCredentials: Bool

    /// - Parameters:
    ///   - allowedOrigins: Origins allowed; `nil` for `*`.
    ///   - allowCredentials: Whether cookies are allowed; ignored without `allowedOrigins`.
    public init(allowedOrigins: [String]?, allowCredentials: Bool) {
        self.allowedOrigins = allowedOrigins
        self.allowCredentials = allowCredentials && allowedOrigins != nil
    }

    /// The headers to add to the response to a request from `origin`: none without an origin or for
    /// an origin not allowed; the allow lists too when the request is a preflight.
    public func headers(origin: String?, preflight: Bool) -> HTTPFields {
        guard let origin else { return [:] }
        var headers = HTTPFields()
        if let allowedOrigins {
            guard allowedOrigins.contains(origin) else { return [:] }
            headers[.accessControlAllowOrigin] = origin
            headers[.vary] = "Origin"
            if allowCredentials { headers[.accessControlAllowCredentials] = "true" }
        } else {
            headers[.accessControlAllowOrigin] = "*"
        }
        headers[.accessControlExposeHeaders] = Self.exposeHeaders
        if preflight {
            headers[.accessControlAllowMethods] = Self.allowMethods
            headers[.accessControlAllowHeaders] = Self.allowHeaders
            headers[.accessControlMaxAge] = "600"
        }
        return headers
    }
}
