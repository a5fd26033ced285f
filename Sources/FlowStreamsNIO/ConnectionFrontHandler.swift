import NIOCore

/// The first handler of a connection, where raw bytes are still seen: takes the connection's place
/// in the registry when it opens (or closes it at once when there is none), starts the read
/// deadline when request bytes arrive, and gives the place back when it closes.
final class ConnectionFrontHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    private let state: ConnectionState
    private var refused = false

    init(_ state: ConnectionState) { self.state = state }

    func channelActive(context: ChannelHandlerContext) {
        refused = !state.opened(context: context)
        context.fireChannelActive()
        if refused { context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refused else { return }
        state.bytesArrived()
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        state.closed()
        context.fireChannelInactive()
    }
}
