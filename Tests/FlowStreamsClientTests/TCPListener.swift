import NIOCore
import NIOPosix

/// A TCP connection accepted by ``withTCPListener(_:_:)``.
typealias TCPConnection = NIOAsyncChannel<ByteBuffer, ByteBuffer>

/// Listens on an ephemeral loopback port for the duration of `body`, handing each connection to `handle`
/// in its own task. Afterwards the listener and every connection still open are closed.
/// - Parameters:
///   - handle: Serves one connection (errors are ignored: the peer may go away at any point).
///   - body: The test, given the port.
func withTCPListener<T: Sendable>(
    _ handle: @escaping @Sendable (TCPConnection) async throws -> Void,
    _ body: (Int) async throws -> T
) async throws -> T {
    let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try TCPConnection(wrappingChannelSynchronously: channel)
            }
        }
    let port = listener.channel.localAddress?.port ?? 0
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await listener.executeThenClose { connections in
                await withDiscardingTaskGroup { handlers in
                    do {
                        for try await connection in connections {
                            handlers.addTask { try? await handle(connection) }
                        }
                    } catch {
                        // Cancelled: the test is over.
                    }
                }
            }
        }
        let result = try await body(port)
        group.cancelAll()
        return result
    }
}

/// Connects to a loopback port.
func connectTCP(port: Int) async throws -> TCPConnection {
    try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .channelOption(.socketOption(.tcp_nodelay), value: 1)
        .connect(host: "127.0.0.1", port: port) { channel in
            channel.eventLoop.makeCompletedFuture {
                try TCPConnection(wrappingChannelSynchronously: channel)
            }
        }
}
