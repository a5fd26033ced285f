/// An error meant for the caller of a flow: it keeps its status, message and details on the wire.
///
/// A flow throws `FlowError` for errors its caller should see. Any other error ends the flow as
/// `INTERNAL "Internal Error"` on the wire, and its text goes only to the server log.
///
/// ```swift
/// throw FlowError(status: .invalidArgument, message: "a user facing error")
/// ```
public struct FlowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The status name sent to the caller.
    public var status: FlowStatus
    /// The message sent to the caller.
    public var message: String
    /// Optional JSON sent to the caller as `"details"`.
    public var details: JSONBytes?

    /// Creates an error with a status, a message and optional JSON details.
    public init(status: FlowStatus, message: String, details: JSONBytes? = nil) {
        self.status = status
        self.message = message
        self.details = details
    }

    /// Creates an error whose details are an encodable value.
    /// - Throws: `EncodingError` when `details` cannot be encoded.
    public init(status: FlowStatus, message: String, details: some Encodable & Sendable) throws {
        self.init(status: status, message: message, details: try JSONBytes(encoding: details))
    }

    public var description: String { "FlowError(\(status.name): \(message))" }
}

// MARK: - Errors FlowStreams itself produces (fixed messages, docs/docs/PROTOCOL.md "Errors FlowStreams produces")

extension FlowError {
    /// `CANCELLED "Stream cancelled."`: the stream was cancelled with `DELETE` or `StreamManager.cancel`.
    public static let streamCancelled = FlowError(status: .cancelled, message: "Stream cancelled.")
    /// `UNAVAILABLE "Stream writer lost."`: the process writing the stream died.
    public static let writerLost = FlowError(status: .unavailable, message: "Stream writer lost.")
    /// `UNAVAILABLE "Server shutting down."`: the grace period of a shutdown ran out.
    public static let shuttingDown = FlowError(status: .unavailable, message: "Server shutting down.")
    /// `UNAVAILABLE "Storage unavailable."`: storage failed for longer than the storage window.
    public static let storageUnavailable = FlowError(status: .unavailable, message: "Storage unavailable.")
    /// `RESOURCE_EXHAUSTED "Chunk exceeds limit."`: a chunk was larger than the configured limit.
    public static let chunkTooLarge = FlowError(status: .resourceExhausted, message: "Chunk exceeds limit.")
    /// `RESOURCE_EXHAUSTED "Stream exceeds limit."`: a run sent more chunks or chunk bytes than
    /// `FlowRunner.Configuration.maximumStreamChunks` / `maximumStreamBytes` allow.
    public static let streamTooLong = FlowError(status: .resourceExhausted, message: "Stream exceeds limit.")
    /// `RESOURCE_EXHAUSTED "Too many running streams."`: a running-stream limit was reached.
    public static let tooManyStreams = FlowError(status: .resourceExhausted, message: "Too many running streams.")
    /// `INTERNAL "Internal Error"`: what the caller sees of any error that is not a `FlowError`.
    public static let internalError = FlowError(status: .internal, message: "Internal Error")
    /// `NOT_FOUND "Stream not found."`: no stream with this id is visible to the caller.
    public static let streamNotFound = FlowError(status: .notFound, message: "Stream not found.")
    /// `ALREADY_EXISTS "Stream already exists."`: `open` with an id that is taken.
    public static let streamExists = FlowError(status: .alreadyExists, message: "Stream already exists.")
    /// `FAILED_PRECONDITION "Stream already finished."`: a write or finish after the stream ended.
    public static let streamFinished = FlowError(status: .failedPrecondition, message: "Stream already finished.")
    /// `OUT_OF_RANGE "Offset beyond the end of the stream."`: a resume offset past the stored chunks.
    public static let offsetOutOfRange = FlowError(
        status: .outOfRange, message: "Offset beyond the end of the stream.")
}
