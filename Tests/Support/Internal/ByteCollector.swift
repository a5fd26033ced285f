import NIOCore

/// The last handler of a ``RawTCPConnection``: keeps every byte received and tells waiters when the
/// connection closes. All methods run on the channel's event loop.
final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var received: [UInt8] = []
    private(set) var closed = false
    private var closeWaiters: [EventLoopPromise<Bool>] = []

    /// Succeeds with `true` when the connection is closed, or with `false` after `timeout`.
    func waitForClose(_ promise: EventLoopPromise<Bool>, timeout: TimeAmount) {
        if closed {
            promise.succeed(true)
            return
        }
        closeWaiters.append(promise)
        promise.futureResult.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            promise.succeed(false)  // no effect if it already succeeded
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)  // a reset counts as the server closing
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        let waiters = closeWaiters
        closeWaiters = []
        for waiter in waiters { waiter.succeed(true) }
        context.fireChannelInactive()
    }
}
