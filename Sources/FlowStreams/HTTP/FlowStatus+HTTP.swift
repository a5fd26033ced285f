public import HTTPTypes

extension FlowStatus {
    /// The HTTP status code of this status (docs/PROTOCOL.md, "Status names and HTTP codes").
    public var httpStatus: HTTPResponse.Status {
        switch self {
        case .cancelled: return .init(code: 499, reasonPhrase: "Client Closed Request")
        case .invalidArgument, .outOfRange, .failedPrecondition: return .badRequest
        case .deadlineExceeded: return .gatewayTimeout
        case .notFound: return .notFound
        case .alreadyExists, .aborted: return .conflict
        case .permissionDenied: return .forbidden
        case .resourceExhausted: return .tooManyRequests
        case .unimplemented: return .notImplemented
        case .unavailable: return .serviceUnavailable
        case .unauthenticated: return .unauthorized
        default: return .internalServerError  // UNKNOWN, INTERNAL, DATA_LOSS
        }
    }
}
