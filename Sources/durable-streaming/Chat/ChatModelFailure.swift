import AsyncHTTPClient
import FlowStreams
import Foundation
import Logging

/// How the chat flow reports what went wrong at the model API: each failure is a ``FlowError``
/// with a status the caller can act on and a message that names no secret (the API's own message,
/// which may quote the request or part of the key, goes to the server log at debug only).
///
/// | what the API did | status |
/// |---|---|
/// | 400, 413, 422 (the conversation was refused) | `INVALID_ARGUMENT` |
/// | 401, 403 (the server's key), 404 (model or URL) | `FAILED_PRECONDITION` |
/// | 429 (rate limit, quota) | `RESOURCE_EXHAUSTED` |
/// | any other status, an error event mid-answer, a body that is no chunk stream | `UNAVAILABLE` |
/// | unreachable (refused, unknown host, TLS), or the answer broke off before `[DONE]` | `UNAVAILABLE` |
/// | silent for longer than the stall timeout | `DEADLINE_EXCEEDED` |
enum ChatModelFailure {
    static let malformedChunk = FlowError(
        status: .unavailable, message: "The model API sent something that is not a chat completion chunk.")
    static let endedEarly = FlowError(
        status: .unavailable, message: "The model API ended the answer before it was complete.")

    static func failedMidAnswer(_ error: UpstreamError) -> FlowError {
        FlowError(status: .unavailable, message: "The model API failed during the answer\(suffix(error.identifier)).")
    }

    static func stalled(_ timeout: Duration) -> FlowError {
        FlowError(status: .deadlineExceeded, message: "The model API sent nothing for \(describe(timeout)).")
    }

    /// The error for an answer whose status is not 200, from its status and error body.
    static func refusal(_ response: HTTPClientResponse, logger: Logger) async -> FlowError {
        let body = try? await response.body.collect(upTo: 64 << 10)
        let error = body.flatMap { try? JSONDecoder().decode(UpstreamErrorBody.self, from: Data($0.readableBytesView)) }?.error
        let code = Int(response.status.code)
        logger.warning("chat: the model API answered HTTP \(code)", metadata: [
            "chat.upstream.status": "\(code)", "chat.upstream.error": "\(error?.identifier ?? "none")",
        ])
        if let message = error?.message { logger.debug("chat: the model API said: \(message)") }
        let detail = " (HTTP \(code)\(error?.identifier.map { ", \($0)" } ?? ""))"
        switch code {
        case 400, 413, 422:
            return FlowError(status: .invalidArgument, message: "The model API refused the conversation\(detail).")
        case 401, 403:
            return FlowError(status: .failedPrecondition, message: "The model API refused the server's API key\(detail).")
        case 404:
            return FlowError(status: .failedPrecondition, message: "The model API knows no such model or URL\(detail).")
        case 429:
            return FlowError(status: .resourceExhausted, message: "The model API is rate-limiting this server\(detail).")
        default:
            return FlowError(status: .unavailable, message: "The model API failed\(detail).")
        }
    }

    /// The error to throw for what the request (`beforeHead`), or reading its answer, threw.
    ///
    /// Cancellation stays cancellation; a ``FlowError`` (ours, or from the flow's `sendChunk`) is
    /// kept; the client's timeouts become `DEADLINE_EXCEEDED`; anything else before the response
    /// head (refused, unknown host, TLS) is "Could not reach the model API.".
    static func translate(
        _ error: any Error, beforeHead: Bool, configuration: ChatModel.Configuration, logger: Logger
    ) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        if let error = error as? FlowError { return error }
        if let error = error as? HTTPClientError {
            switch error {
            case .readTimeout, .deadlineExceeded:
                return stalled(configuration.stallTimeout)
            case .cancelled:
                return CancellationError()
            case .remoteConnectionClosed where !beforeHead:
                return endedEarly
            default:
                break
            }
        }
        if beforeHead { return unreachable(error, logger: logger) }
        logger.warning("chat: reading the model API's answer failed", metadata: ["chat.error": "\(String(reflecting: type(of: error)))"])
        logger.debug("chat: reading the model API's answer failed: \(error)")
        return FlowError(status: .unavailable, message: "The model API's answer broke off.")
    }

    private static func unreachable(_ error: any Error, logger: Logger) -> FlowError {
        logger.warning("chat: could not reach the model API", metadata: ["chat.error": "\(String(reflecting: type(of: error)))"])
        logger.debug("chat: could not reach the model API: \(error)")
        return FlowError(status: .unavailable, message: "Could not reach the model API.")
    }

    /// `30 s`, or `500 ms` below a second or when not whole seconds.
    static func describe(_ duration: Duration) -> String {
        let milliseconds = Int(duration / .milliseconds(1))
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    private static func suffix(_ identifier: String?) -> String {
        identifier.map { " (\($0))" } ?? ""
    }
}
