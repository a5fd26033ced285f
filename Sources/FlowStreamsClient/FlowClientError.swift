public import FlowStreamsWire

/// An error of a ``FlowClient`` call: the flow's own error (from an error body or an error frame), or
/// what went wrong on the way (connection, protocol, decoding).
///
/// Every error carries a ``status`` name, so callers can switch on it whatever its origin:
///
/// ```swift
/// do {
///     let output: String = try await client.runFlow(url: url, input: "hi")
/// } catch let error as FlowClientError where error.status == .invalidArgument {
///     print(error.message, error.details.map { String(decoding: $0.bytes, as: UTF8.self) } ?? "")
/// }
/// ```
public struct FlowClientError: Error, Sendable, CustomStringConvertible {
    /// Where the error comes from. A struct rather than an enum, so that codes can be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The server answered with an error: an error body, an error frame, or `204` for a stream id it
        /// does not know (NOT_FOUND "Stream not found."). ``FlowClientError/status``, ``FlowClientError/message``
        /// and ``FlowClientError/details`` are the server's.
        public static let flowError = Code("flowError")
        /// The connection could not be opened, or no response head arrived in time (UNAVAILABLE or
        /// DEADLINE_EXCEEDED).
        public static let connectionFailed = Code("connectionFailed")
        /// A stream ended before its terminal frame and could not be resumed: auto-resume is off, the server
        /// gave no stream id, or the resume attempts ran out (UNAVAILABLE).
        public static let connectionLost = Code("connectionLost")
        /// The server's answer does not follow the protocol (UNKNOWN).
        public static let invalidResponse = Code("invalidResponse")
        /// A chunk or the output did not decode into the requested type (INTERNAL).
        public static let decodingFailed = Code("decodingFailed")
    }

    /// Where the error comes from.
    public var code: Code
    /// The status name: the server's for ``Code/flowError``, otherwise the one each code documents.
    public var status: FlowStatus
    /// The server's message, or a description of what went wrong on the client side.
    public var message: String
    /// The server's `"details"` JSON, when the error had any.
    public var details: JSONBytes?
    /// The HTTP status code of the answer that carried the error, when there was one.
    public var httpStatus: Int?

    /// Creates an error.
    public init(code: Code, status: FlowStatus, message: String, details: JSONBytes? = nil, httpStatus: Int? = nil) {
        self.code = code
        self.status = status
        self.message = message
        self.details = details
        self.httpStatus = httpStatus
    }

    /// The error as the core's ``FlowError`` (status, message, details), for example to pass it on from a flow.
    public var flowError: FlowError {
        FlowError(status: status, message: message, details: details)
    }

    /// `<STATUS>: <message>`, the way Genkit's clients print errors. Details are left out (they may hold data).
    public var description: String { "\(status.name): \(message)" }
}

// MARK: - Errors the client makes

extension FlowClientError {
    /// NOT_FOUND "Stream not found.": the `204` answer to a stream id the server does not know.
    static let streamNotFound = FlowClientError(
        code: .flowError, status: .notFound, message: "Stream not found.", httpStatus: 204)

    static func invalidResponse(_ message: String, httpStatus: Int? = nil) -> FlowClientError {
        FlowClientError(code: .invalidResponse, status: .unknown, message: message, httpStatus: httpStatus)
    }

    static func decodingFailed(_ what: String, _ error: any Error) -> FlowClientError {
        FlowClientError(code: .decodingFailed, status: .internal,
                        message: "The \(what) does not decode: \(String(describing: error))")
    }

    static func connectionLost(_ message: String) -> FlowClientError {
        FlowClientError(code: .connectionLost, status: .unavailable, message: message)
    }
}
