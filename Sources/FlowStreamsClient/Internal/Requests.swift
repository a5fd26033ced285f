import AsyncHTTPClient
import FlowStreamsWire
import NIOCore
import NIOHTTP1

extension FlowClient {
    /// `{"data":<input>}`, the body of every call.
    static func requestBody(input: JSONBytes) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(input.count + 9)
        buffer.writeString(#"{"data":"#)
        buffer.writeBytes(input.bytes)
        buffer.writeString("}")
        return buffer
    }

    /// A `POST` of `body` to `url` with the caller's headers and then the protocol's own.
    static func postRequest(url: String, body: ByteBuffer, headers: [String: String], accept: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        request.headers.replaceOrAdd(name: "content-type", value: "application/json")
        request.headers.replaceOrAdd(name: "accept", value: accept)
        request.body = .bytes(body)
        return request
    }

    /// A streaming `POST`: opted into the extensions, resuming `streamID` after `lastIndex` when given.
    static func streamRequest(
        url: String, body: ByteBuffer, headers: [String: String], streamID: StreamID?, lastIndex: Int?
    ) -> HTTPClientRequest {
        var request = postRequest(url: url, body: body, headers: headers, accept: "text/event-stream")
        request.headers.replaceOrAdd(name: FlowHeaders.optIn, value: "1")
        // A stream gets a connection of its own, never reused afterwards: a long-lived response gains nothing
        // from the pool, and a server that closes the connection after a stream (without saying so) cannot
        // make the next call fail on a stale pooled connection.
        request.headers.replaceOrAdd(name: "connection", value: "close")
        if let streamID { request.headers.replaceOrAdd(name: FlowHeaders.streamID, value: streamID.rawValue) }
        if let lastIndex { request.headers.replaceOrAdd(name: FlowHeaders.lastEventID, value: String(lastIndex)) }
        return request
    }

    /// Sends `request` and waits for the response head for at most `timeout` (`nil`: no limit).
    /// - Throws: ``FlowClientError/Code/connectionFailed``; `CancellationError` when the task was cancelled.
    func execute(_ request: HTTPClientRequest, timeout: Duration?) async throws -> HTTPClientResponse {
        let deadline = timeout.map { NIODeadline.now() + TimeAmount($0) } ?? .distantFuture
        do {
            return try await httpClient.execute(request, deadline: deadline, logger: logger)
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw FlowClientError.connectionFailed(error, timeout: timeout)
        }
    }

    /// The whole body of a non-streaming answer, up to ``Configuration/maxResponseBytes``.
    func collect(_ body: HTTPClientResponse.Body) async throws -> [UInt8] {
        do {
            let buffer = try await body.collect(upTo: configuration.maxResponseBytes)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw FlowClientError.invalidResponse(
                "The answer is larger than \(configuration.maxResponseBytes) bytes (maxResponseBytes).")
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw FlowClientError.connectionLost("The connection closed before the end of the answer: \(error)")
        }
    }
}

extension FlowClientError {
    /// No response head: the connection failed, or the head did not arrive within `timeout`.
    static func connectionFailed(_ error: any Error, timeout: Duration?) -> FlowClientError {
        if let error = error as? HTTPClientError, error == .deadlineExceeded {
            let limit = timeout.map { " within \($0)" } ?? ""
            return FlowClientError(code: .connectionFailed, status: .deadlineExceeded,
                                   message: "No response headers arrived\(limit).")
        }
        return FlowClientError(code: .connectionFailed, status: .unavailable,
                               message: "The request failed: \(String(describing: error))")
    }
}
