import NIOCore
import NIOPosix
import Synchronization

/// A loopback TCP proxy in front of the emulator, to break connections on purpose: `cut()` closes
/// every connection through it (both sides), `refuse` makes it close new ones at once (an outage).
final class TCPProxy: Sendable {
    let port: Int
    private let server: any Channel
    private let connections = Mutex<[any Channel]>([])
    private let refusing = Atomic<Bool>(false)

    private init(port: Int, server: any Channel) {
        self.port = port
        self.server = server
    }

    static func start(upstreamHost: String, upstreamPort: Int) async throws -> TCPProxy {
        let box = Mutex<TCPProxy?>(nil)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                guard let proxy = box.withLock({ $0 }), !proxy.refusing.load(ordering: .relaxed) else {
                    return inbound.close()
                }
                return ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: upstreamHost, port: upstreamPort)
                    .flatMap { outbound in
                        proxy.connections.withLock { $0 += [inbound, outbound] }
                        return inbound.eventLoop.makeCompletedFuture {
                            try inbound.pipeline.syncOperations.addHandler(Forwarder(peer: outbound))
                            try outbound.pipeline.syncOperations.addHandler(Forwarder(peer: inbound))
                        }.flatMap { inbound.setOption(.autoRead, value: true) }
                    }
                    .flatMapError { _ in inbound.close() }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let proxy = TCPProxy(port: server.localAddress!.port!, server: server)
        box.withLock { $0 = proxy }
        return proxy
    }

    /// Closes every open connection through the proxy.
    func cut() {
        let open = connections.withLock { open in
            defer { open = [] }
            return open
        }
        for channel in open { channel.close(promise: nil) }
    }

    /// While `true`, new connections are closed as soon as they arrive.
    func refuse(_ refuse: Bool) { refusing.store(refuse, ordering: .relaxed) }

    func stop() async {
        cut()
        try? await server.close()
    }
}

/// Passes what one side reads to the other, and a close on to it.
private final class Forwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let peer: any Channel

    init(peer: any Channel) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
