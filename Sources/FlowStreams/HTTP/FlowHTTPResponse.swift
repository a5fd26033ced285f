public import HTTPTypes

/// A framework-neutral response: what a Hummingbird or Vapor adapter writes to the wire.
public struct FlowHTTPResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: Body

    public enum Body: Sendable {
        /// A complete body.
        case bytes([UInt8])
        /// A body written frame by frame as it is produced.
        case stream(StreamingBody)
    }

    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON error body with the HTTP status of the error's status name.
    public static func error(_ error: FlowError) -> FlowHTTPResponse {
        FlowHTTPResponse.error(error, status: error.status.httpStatus)
    }

    /// A JSON error body with an explicit HTTP status (e.g. 413 for a body over the limit). A `429`
    /// says when to try again: `Retry-After: 1` (seconds).
    public static func error(_ error: FlowError, status: HTTPResponse.Status) -> FlowHTTPResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .tooManyRequests { headers[.retryAfter] = String(retryAfterSeconds) }
        return FlowHTTPResponse(status: status, headers: headers, body: .bytes(SSEEncoder.errorJSON(error)))
    }

    /// The `Retry-After` of every `429`, in seconds.
    public static let retryAfterSeconds = 1

    /// `404 NOT_FOUND` for a path that matches no flow.
    public static let noSuchFlow = error(FlowError(status: .notFound, message: "No flow at this path."))

    /// `413` with a `RESOURCE_EXHAUSTED` body, for a request body over the limit.
    public static let bodyTooLarge = error(
        FlowError(status: .resourceExhausted, message: "Request body exceeds limit."), status: .contentTooLarge)
}

/// A streaming response body: call `write(to:)` with a function that sends bytes to the client.
/// Frames are written as they are produced; when the client goes away the adapter cancels the task
/// (or the write fails), which ends the body.
public struct StreamingBody: Sendable {
    private let produce: @Sendable (_ write: ([UInt8]) async throws -> Void) async throws -> Void

    public init(_ produce: @escaping @Sendable (_ write: ([UInt8]) async throws -> Void) async throws -> Void) {
        self.produce = produce
    }

    /// Produces the body into `write`.
    public func write(to write: ([UInt8]) async throws -> Void) async throws {
        try await produce(write)
    }
}

extension HTTPField.Name {
    /// `x-genkit-stream-id`
    public static let genkitStreamID = HTTPField.Name(FlowHeaders.streamID)!
    /// `x-genkit-stream-offset`
    public static let genkitStreamOffset = HTTPField.Name(FlowHeaders.streamOffset)!
    /// `x-genkit-trace-id`
    public static let genkitTraceID = HTTPField.Name(FlowHeaders.traceID)!
    /// `x-genkit-span-id`
    public static let genkitSpanID = HTTPField.Name(FlowHeaders.spanID)!
    /// `x-flowstreams-sse`: `1` opts a POST into ids and keep-alives.
    public static let flowStreamsSSE = HTTPField.Name(FlowHeaders.optIn)!
    /// `Last-Event-ID`
    public static let lastEventID = HTTPField.Name(FlowHeaders.lastEventID)!
    /// `X-Accel-Buffering`
    public static let accelBuffering = HTTPField.Name("x-accel-buffering")!
}
