/// Why a Firestore operation failed. Its description names the cause (a code and a fixed reason),
/// never document paths, values or the server's text, so it is safe to log.
public struct FirestoreError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case unavailable, deadlineExceeded, aborted, resourceExhausted, internalError
            case failedPrecondition, notFound, alreadyExists, invalidArgument
            case permissionDenied, unauthenticated, cancelled
            case documentTooLarge, invalidJSON, unstorableValue, invalidDocument
            case invalidConfiguration, credentials, unknown
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Firestore could not be reached, or the connection broke (gRPC `UNAVAILABLE`). Transient.
        public static let unavailable = Code(.unavailable)
        /// The call did not finish in time (gRPC `DEADLINE_EXCEEDED`). Transient.
        public static let deadlineExceeded = Code(.deadlineExceeded)
        /// A transaction conflicted with another one (gRPC `ABORTED`). Retry the whole transaction.
        public static let aborted = Code(.aborted)
        /// A quota or rate limit was hit (gRPC `RESOURCE_EXHAUSTED`). Transient.
        public static let resourceExhausted = Code(.resourceExhausted)
        /// The server failed (gRPC `INTERNAL`, `UNKNOWN`, `DATA_LOSS`). Transient.
        public static let internalError = Code(.internalError)
        /// A precondition did not hold: the document exists or not, or was changed since the given
        /// update time (gRPC `FAILED_PRECONDITION`). Nothing was written.
        public static let failedPrecondition = Code(.failedPrecondition)
        /// The document (or database) does not exist (gRPC `NOT_FOUND`).
        public static let notFound = Code(.notFound)
        /// The document already exists (gRPC `ALREADY_EXISTS`).
        public static let alreadyExists = Code(.alreadyExists)
        /// Firestore refused the request as malformed (gRPC `INVALID_ARGUMENT`, `OUT_OF_RANGE`).
        public static let invalidArgument = Code(.invalidArgument)
        /// The credentials may not do this (gRPC `PERMISSION_DENIED`).
        public static let permissionDenied = Code(.permissionDenied)
        /// The access token was refused (gRPC `UNAUTHENTICATED`).
        public static let unauthenticated = Code(.unauthenticated)
        /// The call was cancelled (gRPC `CANCELLED`, or the calling task was cancelled).
        public static let cancelled = Code(.cancelled)
        /// A document would exceed Firestore's 1 MiB limit; it was refused before it was sent.
        public static let documentTooLarge = Code(.documentTooLarge)
        /// Bytes that should hold one JSON value do not.
        public static let invalidJSON = Code(.invalidJSON)
        /// A JSON value cannot be stored as a native Firestore value (an array directly inside an
        /// array, an empty or reserved map key, a number outside 64-bit range, too deep).
        public static let unstorableValue = Code(.unstorableValue)
        /// A stored document does not have the shape its layout expects.
        public static let invalidDocument = Code(.invalidDocument)
        /// A configuration value is not allowed (a project id, a database id, an endpoint).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// No access token could be obtained (a bad key, a refused exchange, no metadata server).
        public static let credentials = Code(.credentials)
        /// Anything else.
        public static let unknown = Code(.unknown)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A short, fixed explanation (no data, no paths, no server text).
    public var reason: String
    /// The underlying error (an `RPCError`, an HTTP client error), for diagnosis; not part of
    /// `description`: it may name documents.
    public var underlying: (any Error)?

    package init(code: Code, reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    /// Whether trying again later may succeed (the connection, a deadline, a quota, a server failure,
    /// or a token exchange that failed on the network). A failed precondition is not transient: the
    /// state it checked has changed.
    public var isTransient: Bool {
        switch code {
        case .unavailable, .deadlineExceeded, .resourceExhausted, .internalError, .aborted: true
        default: false
        }
    }

    public var description: String { "FirestoreError(\(code)): \(reason)" }
}
