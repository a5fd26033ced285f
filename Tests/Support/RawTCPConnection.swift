import NIOCore
import NIOPosix

/// A plain TCP connection for hostile-input tests: send any bytes (malformed requests, slow headers,
/// half-closes) and see what the server answers and whether it hangs up.
///
/// ```swift
/// let raw = try await RawTCPConnection.connect(port: port)
/// try await raw.send(Array("POST /streamy HTTP/1.1\r\nHost: x\r\n".utf8))
/// let (bytes, closed) = await raw.readUntilClose(timeout: .seconds(2))
/// ```
public final class RawTCPConnection: Sendable {
    private let channel: any Channel
    private let collector: NIOLoopBound<ByteCollector>

    private init(channel: any Channel, collector: NIOLoopBound<ByteCollector>) {
        self.channel = channel
        self.collector = collector
    }

    deinit {
        channel.close(promise: nil)
    }

    /// Connects to `host:port`.
    ///
    /// - Parameters:
    ///   - host: Defaults to 127.0.0.1.
    ///   - port: The server port.
    ///   - sourceAddress: The local address to connect from (any of 127.0.0.0/8 is loopback on
    ///     Linux: `127.0.0.2` is another client to the server); `nil` (the default) lets the system choose.
    ///   - timeout: Defaults to 10 s.
    /// - Throws: NIO's connection error, or a timeout after `timeout`.
    public static func connect(
        host: String = "127.0.0.1",
        port: Int,
        sourceAddress: String? = nil,
        timeout: Duration = .seconds(10)
    ) async throws -> RawTCPConnection {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
        if let sourceAddress { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: sourceAddress, port: 0)) }
        let (channel, collector) = try await bootstrap.connect(host: host, port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                let collector = ByteCollector()
                try channel.pipeline.syncOperations.addHandler(collector)
                return (channel, NIOLoopBound(collector, eventLoop: channel.eventLoop))
            }
        }
        return RawTCPConnection(channel: channel, collector: collector)
    }

    /// Writes `bytes` and waits until they are handed to the kernel.
    ///
    /// - Throws: NIO's error if the connection is closed.
    public func send(_ bytes: [UInt8]) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
    }

    /// Closes the sending direction (TCP FIN); the server can still answer.
    public func halfClose() async throws {
        try await channel.close(mode: .output)
    }

    /// Every byte received so far.
    public func received() async -> [UInt8] {
        let collector = self.collector
        return (try? await channel.eventLoop.submit { collector.value.received }.get()) ?? []
    }

    /// Waits until the bytes received contain `text` (a response head's end, `"\r\n\r\n"`), the
    /// connection closes or `timeout` passes.
    ///
    /// - Returns: Whether `text` arrived.
    public func waitForBytes(containing text: String, timeout: Duration) async -> Bool {
        let collector = self.collector
        let promise = channel.eventLoop.makePromise(of: Bool.self)
        channel.eventLoop.execute { collector.value.waitForBytes(Array(text.utf8), promise, timeout: TimeAmount(timeout)) }
        return await withTaskCancellationHandler {
            (try? await promise.futureResult.get()) ?? false
        } onCancel: {
            promise.succeed(false)
        }
    }

    /// Waits until the server closes the connection or `timeout` passes.
    ///
    /// - Returns: Every byte received, and whether the connection was closed (by the server, or by a reset).
    public func readUntilClose(timeout: Duration) async -> (bytes: [UInt8], closed: Bool) {
        let collector = self.collector
        let promise = channel.eventLoop.makePromise(of: Bool.self)
        channel.eventLoop.execute { collector.value.waitForClose(promise, timeout: TimeAmount(timeout)) }
        let closed = await withTaskCancellationHandler {
            (try? await promise.futureResult.get()) ?? false
        } onCancel: {
            promise.succeed(false)
        }
        return (await received(), closed)
    }

    /// Closes the connection.
    public func close() async {
        try? await channel.close()
    }
}

// MARK: - One exchange

/// Connects, writes `bytes`, optionally half-closes, and returns whatever the server sends until it closes
/// the connection or `readTimeout` passes; then closes.
///
/// - Parameters:
///   - host: Defaults to 127.0.0.1.
///   - port: The server port.
///   - bytes: Sent as is.
///   - halfClose: Whether to close the sending direction after writing. Defaults to `false`.
///   - readTimeout: How long to wait for the server to close.
/// - Returns: The bytes received (possibly none); a timeout is not an error.
/// - Throws: NIO's error if the connection cannot be made.
public func rawExchange(
    host: String = "127.0.0.1",
    port: Int,
    send bytes: [UInt8],
    halfClose: Bool = false,
    readTimeout: Duration
) async throws -> [UInt8] {
    let connection = try await RawTCPConnection.connect(host: host, port: port)
    // The server may close before taking everything (that is often the point): ignore write failures.
    try? await connection.send(bytes)
    if halfClose { try? await connection.halfClose() }
    let (received, _) = await connection.readUntilClose(timeout: readTimeout)
    await connection.close()
    return received
}
