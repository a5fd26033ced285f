import Glibc
import NIOCore
import NIOHTTP1
import NIOPosix

/// One HTTP/1.1 request on its own connection, with the response read incrementally.
///
/// ``open(host:port:method:path:headers:body:timeout:)`` sends the request and returns as soon as the
/// response head has arrived, before any body. The body is then read part by part with ``next(timeout:)``,
/// as the server writes it. While the test does not call `next`, the client stops reading the socket once
/// 64 KiB are waiting, so the server sees backpressure. ``close(reset:)`` disconnects at any point.
///
/// ```swift
/// let connection = try await TestHTTPConnection.open(port: port, method: "POST", path: "/streamy",
///                                                    headers: [("Accept", "text/event-stream")], body: Array(#"{"data":3}"#.utf8))
/// #expect(connection.head.status == 200)
/// let first = try await connection.next()
/// await connection.close()
/// ```
/// The request carries `Connection: close`, `Host` and `Content-Length` unless `headers` already has them,
/// and a POST with a body `Content-Type: application/json`.
/// Header values are sent as given (no validation), so tests can send odd ones.
public final class TestHTTPConnection: Sendable {
    /// The response status line and headers.
    public let head: TestHTTPResponseHead

    private let channel: any Channel
    private let handler: NIOLoopBound<ResponseStreamHandler>

    private init(head: TestHTTPResponseHead, channel: any Channel, handler: NIOLoopBound<ResponseStreamHandler>) {
        self.head = head
        self.channel = channel
        self.handler = handler
    }

    deinit {
        channel.close(promise: nil)
    }

    // MARK: Opening

    /// Connects, sends one request and waits for the response head.
    ///
    /// - Parameters:
    ///   - host: The server address. Defaults to 127.0.0.1.
    ///   - port: The server port.
    ///   - method: The request method, such as "POST".
    ///   - path: The request target, such as "/streamy?stream=true".
    ///   - headers: Request headers, in order.
    ///   - body: The request body; `nil` sends none (and no `Content-Length`).
    ///   - timeout: The limit for connecting and receiving the head. Defaults to 10 s.
    /// - Returns: The open connection, its body not read yet.
    /// - Throws: ``TestTimeoutError``; ``TestSupportError`` or a NIO error when the connection fails or closes first.
    public static func open(
        host: String = "127.0.0.1",
        port: Int,
        method: String,
        path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> TestHTTPConnection {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        let (channel, handler) = try await bootstrap.connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                var encoder = HTTPRequestEncoder.Configuration()
                encoder.automaticallySetFramingHeaders = false
                try channel.pipeline.syncOperations.addHTTPClientHandlers(
                    enableOutboundHeaderValidation: false,
                    encoderConfiguration: encoder
                )
                let handler = ResponseStreamHandler()
                try channel.pipeline.syncOperations.addHandler(handler)
                return (channel, NIOLoopBound(handler, eventLoop: channel.eventLoop))
            }
        }
        do {
            let parts = requestParts(host: host, port: port, method: method, path: path, headers: headers, body: body)
            channel.eventLoop.execute { handler.value.send(parts) }
            let head = try await readHead(channel: channel, handler: handler, deadline: deadline, timeout: timeout)
            return TestHTTPConnection(head: head, channel: channel, handler: handler)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    private static func requestParts(
        host: String,
        port: Int,
        method: String,
        path: String,
        headers: [(String, String)],
        body: [UInt8]?
    ) -> [HTTPClientRequestPart] {
        var fields = HTTPHeaders(headers)
        if !fields.contains(name: "host") { fields.add(name: "Host", value: "\(host):\(port)") }
        if !fields.contains(name: "connection") { fields.add(name: "Connection", value: "close") }
        if let body, !fields.contains(name: "content-length"), !fields.contains(name: "transfer-encoding") {
            fields.add(name: "Content-Length", value: String(body.count))
        }
        if body != nil, method == "POST", !fields.contains(name: "content-type") {
            fields.add(name: "Content-Type", value: "application/json")
        }
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: path, headers: fields)
        var parts: [HTTPClientRequestPart] = [.head(head)]
        if let body, !body.isEmpty { parts.append(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
        parts.append(.end(nil))
        return parts
    }

    /// Waits for the final response head, skipping interim 1xx responses (but not 101).
    private static func readHead(
        channel: any Channel,
        handler: NIOLoopBound<ResponseStreamHandler>,
        deadline: ContinuousClock.Instant,
        timeout: Duration
    ) async throws -> TestHTTPResponseHead {
        var interim = false
        while true {
            let remaining = max(deadline - ContinuousClock.now, .zero)
            let error = TestTimeoutError(waitingFor: "the response head", timeout: timeout)
            switch try await nextEvent(channel: channel, handler: handler, timeout: remaining, timeoutError: error) {
            case .head(let head) where (100..<200).contains(Int(head.status.code)) && head.status.code != 101:
                interim = true
            case .head(let head):
                return TestHTTPResponseHead(
                    status: Int(head.status.code),
                    reason: head.status.reasonPhrase,
                    headers: head.headers.map { (name: $0.name, value: $0.value) }
                )
            case .end where interim:
                interim = false
            case .body, .end:
                throw TestSupportError("received a body part before the response head")
            case .failure(let error):
                throw error
            }
        }
    }

    // MARK: Reading the body

    /// The next body bytes, as they arrived from the server.
    ///
    /// Each call returns what one read of the socket produced for the body (dechunked), never an empty array.
    /// - Parameter timeout: How long to wait for bytes. Defaults to 10 s.
    /// - Returns: The bytes, or `nil` once the body has ended (and on every later call).
    /// - Throws: ``TestTimeoutError`` if nothing arrived in time (the connection stays usable);
    ///   ``TestSupportError`` if the connection closed before the end of the body; `CancellationError`.
    public func next(timeout: Duration = .seconds(10)) async throws -> [UInt8]? {
        let error = TestTimeoutError(waitingFor: "response body bytes", timeout: timeout)
        switch try await Self.nextEvent(channel: channel, handler: handler, timeout: timeout, timeoutError: error) {
        case .body(let buffer): return Array(buffer.readableBytesView)
        case .end: return nil
        case .failure(let error): throw error
        case .head: throw TestSupportError("received a second response head")
        }
    }

    /// Reads until the end of the body.
    ///
    /// - Parameter timeout: The limit for the whole remaining body. Defaults to 30 s.
    /// - Returns: Every body byte not read yet.
    /// - Throws: As ``next(timeout:)``.
    public func readToEnd(timeout: Duration = .seconds(30)) async throws -> [UInt8] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var bytes: [UInt8] = []
        while true {
            let remaining = max(deadline - ContinuousClock.now, .zero)
            do {
                guard let part = try await next(timeout: remaining) else { return bytes }
                bytes += part
            } catch let error as TestTimeoutError {
                throw TestTimeoutError(
                    waitingFor: "the end of the response body (\(bytes.count) bytes read)",
                    timeout: timeout,
                    location: error.location
                )
            }
        }
    }

    // MARK: Closing

    /// Closes the connection now, even mid-body; the server sees the client go away.
    ///
    /// - Parameter reset: `true` sends a TCP reset (RST, `SO_LINGER` 0) instead of an orderly close (FIN).
    ///   Note that Linux sends a reset anyway when unread bytes are still in the receive buffer.
    public func close(reset: Bool = false) async {
        if reset, let provider = channel as? any SocketOptionProvider {
            try? await provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
    }

    // MARK: Internal

    private static func nextEvent(
        channel: any Channel,
        handler: NIOLoopBound<ResponseStreamHandler>,
        timeout: Duration,
        timeoutError: TestTimeoutError
    ) async throws -> ResponseEvent {
        try Task.checkCancellation()
        let promise = channel.eventLoop.makePromise(of: ResponseEvent.self)
        let future = promise.futureResult
        // Registered before the cancellation handler exists, so a cancellation always finds the waiter.
        channel.eventLoop.execute {
            handler.value.register(promise, timeout: TimeAmount(timeout), timeoutError: timeoutError)
        }
        return try await withTaskCancellationHandler {
            try await future.get()
        } onCancel: {
            channel.eventLoop.execute { handler.value.abandon(future, error: CancellationError()) }
        }
    }
}
