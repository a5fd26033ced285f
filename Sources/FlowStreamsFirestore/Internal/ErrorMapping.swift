import GRPCCore

extension FirestoreError.Code {
    /// The code for a gRPC status code (`google.rpc.Code`).
    init(grpcStatus code: Int) {
        self = switch code {
        case 1: .cancelled
        case 3, 11: .invalidArgument
        case 4: .deadlineExceeded
        case 5: .notFound
        case 6: .alreadyExists
        case 7: .permissionDenied
        case 8: .resourceExhausted
        case 9: .failedPrecondition
        case 10: .aborted
        case 2, 13, 15: .internalError
        case 12: .invalidArgument
        case 14: .unavailable
        case 16: .unauthenticated
        default: .unknown
        }
    }
}

extension FirestoreError {
    /// `error` as a `FirestoreError`: an `RPCError` by its status code, a cancelled task as
    /// `.cancelled`, anything else (a transport failure) as `.unavailable`.
    static func wrapping(_ error: any Error, operation: String) -> FirestoreError {
        switch error {
        case let error as FirestoreError:
            return error
        case let error as RPCError:
            return FirestoreError(code: Code(grpcStatus: error.code.rawValue), reason: "\(operation) failed (\(error.code)).", underlying: error)
        case is CancellationError:
            return FirestoreError(code: .cancelled, reason: "\(operation) was cancelled.", underlying: error)
        default:
            return FirestoreError(code: .unavailable, reason: "\(operation) failed in transport.", underlying: error)
        }
    }

    /// The error a Listen target was removed with.
    init(cause: Google_Rpc_Status) {
        self.init(code: Code(grpcStatus: Int(cause.code)), reason: "The Listen target was removed by the server.")
    }
}
