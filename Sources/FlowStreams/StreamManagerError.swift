/// Why a stream manager (or a stream's writer or reader) refused or failed an operation.
///
/// These are control flow, not messages: the request handler and the runner decide what to do by
/// the ``code`` (answer `204` for a stream that is not found, stop a flow whose stream finished), and
/// only the HTTP edge turns an error into the ``FlowError`` a caller sees (``flowError``). The
/// description names the code only, so it is safe to log.
///
/// ```swift
/// do {
///     events = try await manager.subscribe(id, after: nil, in: scope)
/// } catch let error as StreamManagerError where error.code == .notFound {
///     // unknown, expired, another principal's, or another flow's
/// }
/// ```
public struct StreamManagerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case notFound, alreadyExists, streamFinished, offsetOutOfRange, storageUnavailable, dataLoss
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// No stream with this id is visible to the caller (unknown, expired, another flow's or
        /// another principal's). The HTTP edge answers `204` to a resume, `404` otherwise.
        public static let notFound = Code(.notFound)
        /// `open` with an id that is taken.
        public static let alreadyExists = Code(.alreadyExists)
        /// A write or finish after the stream ended (finished, cancelled, its writer declared lost):
        /// nothing changed. To a running flow this reads as cancellation.
        public static let streamFinished = Code(.streamFinished)
        /// A resume offset at or beyond the stored chunks of a running stream, or beyond the chunk
        /// count of a finished one.
        public static let offsetOutOfRange = Code(.offsetOutOfRange)
        /// Storage failed for longer than the storage window (or in a way retrying cannot fix).
        public static let storageUnavailable = Code(.storageUnavailable)
        /// Storage returned events out of order or with a gap: a broken backend. Never served.
        public static let dataLoss = Code(.dataLoss)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code

    public init(_ code: Code) { self.code = code }

    public static let notFound = StreamManagerError(.notFound)
    public static let alreadyExists = StreamManagerError(.alreadyExists)
    public static let streamFinished = StreamManagerError(.streamFinished)
    public static let offsetOutOfRange = StreamManagerError(.offsetOutOfRange)
    public static let storageUnavailable = StreamManagerError(.storageUnavailable)
    public static let dataLoss = StreamManagerError(.dataLoss)

    /// The error a caller of the flow sees (docs/PROTOCOL.md, "Errors").
    public var flowError: FlowError {
        switch code {
        case .notFound: return .streamNotFound
        case .alreadyExists: return .streamExists
        case .streamFinished: return .streamFinished
        case .offsetOutOfRange: return .offsetOutOfRange
        case .storageUnavailable: return .storageUnavailable
        default: return FlowError(status: .dataLoss, message: "Stream storage returned events out of order.")
        }
    }

    public var description: String { "StreamManagerError(\(code))" }
}
