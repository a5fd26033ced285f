import AsyncHTTPClient
import FlowStreamsWire
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
            throw FlowClientError.connectionFailed(error, timeout: timeout, url: request.url)
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
    /// No response head: the connection failed, or the head did not arrive within `timeout`. The
    /// message is a sentence naming the server and the cause (`could not connect to 127.0.0.1:3500
    /// (connection refused)`), never a wrapped NIO description.
    static func connectionFailed(_ error: any Error, timeout: Duration?, url: String) -> FlowClientError {
        if let error = error as? HTTPClientError, error == .deadlineExceeded {
            let limit = timeout.map { " within \($0)" } ?? ""
            return FlowClientError(code: .connectionFailed, status: .deadlineExceeded,
                                   message: "No response headers arrived\(limit).")
        }
        let server = ServerAddress(url: url)
        guard let server else {
            return FlowClientError(code: .connectionFailed, status: .invalidArgument, message: "\(url) is not an http or https URL.")
        }
        return FlowClientError(code: .connectionFailed, status: .unavailable,
                               message: "could not connect to \(server) (\(ConnectionFailure(error)))")
    }
}

/// `host:port` of an `http` or `https` URL, for messages.
struct ServerAddress: CustomStringConvertible {
    let host: Substring
    let port: Int

    init?(url: String) {
        let scheme: Substring
        let rest: Substring
        if let range = url.range(of: "://") {
            scheme = url[..<range.lowerBound]
            rest = url[range.upperBound...]
        } else {
            return nil
        }
        let defaultPort: Int
        switch scheme.lowercased() {
        case "http": defaultPort = 80
        case "https": defaultPort = 443
        default: return nil
        }
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }.split(separator: "@").last ?? ""
        // `[::1]:3400`: the brackets hold the host; a colon after them starts the port.
        let hostEnd = authority.hasPrefix("[") ? authority.firstIndex(of: "]").map(authority.index(after:)) : authority.firstIndex(of: ":")
        let hostPart = authority[..<(hostEnd ?? authority.endIndex)]
        guard !hostPart.isEmpty else { return nil }
        host = hostPart
        let portPart = authority[(hostEnd ?? authority.endIndex)...].drop { $0 == ":" }
        if portPart.isEmpty {
            port = defaultPort
        } else if let port = Int(portPart), (1...65535).contains(port) {
            self.port = port
        } else {
            return nil
        }
    }

    var description: String { "\(host):\(port)" }
}

/// Why a connection could not be made, in a few words (`connection refused`, `no connection within 5 s`).
struct ConnectionFailure: CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        description = Self.words(for: error) ?? "\(type(of: error))"
    }

    private static func words(for error: any Error) -> String? {
        if let error = error as? IOError { return words(errno: error.errnoCode) }
        if let error = error as? HTTPClientError {
            if error == .connectTimeout { return "no connection in time" }
            if error == .remoteConnectionClosed { return "the server closed the connection" }
            if error == .readTimeout { return "no answer in time" }
            return nil
        }
        if let error = error as? ChannelError, case .connectTimeout = error { return "no connection in time" }
        if let error = error as? NIOConnectionError {
            if error.dnsAError != nil || error.dnsAAAAError != nil, error.connectionErrors.isEmpty { return "host not found" }
            return error.connectionErrors.lazy.compactMap { words(for: $0.error) }.first
        }
        return nil
    }

    private static func words(errno: CInt) -> String {
        switch errno {
        case ECONNREFUSED: "connection refused"
        case ECONNRESET: "connection reset"
        case ETIMEDOUT: "timed out"
        case EHOSTUNREACH: "host unreachable"
        case ENETUNREACH: "network unreachable"
        case EADDRNOTAVAIL: "address not available"
        default: String(cString: strerror(errno)).lowercased()
        }
    }
}
