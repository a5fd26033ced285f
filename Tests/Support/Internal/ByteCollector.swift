import NIOCore

/// The last handler of a ``RawTCPConnection``: keeps every byte received and tells waiters when the
/// connection closes. All methods run on the channel's event loop.
final class ByteCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private(set) var received: [UInt8] = []
    private(set) var closed = false
    private var closeWaiters: [EventLoopPromise<Bool>] = []
    private var byteWaiters: [(contains: [UInt8], promise: EventLoopPromise<Bool>)] = []

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

    /// Succeeds with `true` once the bytes received contain `bytes`, or with `false` when the
    /// connection closes without them or after `timeout`.
    func waitForBytes(_ bytes: [UInt8], _ promise: EventLoopPromise<Bool>, timeout: TimeAmount) {
        if received.contains(bytes) {
            promise.succeed(true)
            return
        }
        if closed {
            promise.succeed(false)
            return
        }
        byteWaiters.append((bytes, promise))
        promise.futureResult.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            promise.succeed(false)  // no effect if it already succeeded
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        let (met, waiting) = byteWaiters.partitioned { received.contains($0.contains) }
        byteWaiters = waiting
        for waiter in met { waiter.promise.succeed(true) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)  // a reset counts as the server closing
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        let waiters = closeWaiters
        closeWaiters = []
        for waiter in waiters { waiter.succeed(true) }
        let byteWaiters = self.byteWaiters
        self.byteWaiters = []
        for waiter in byteWaiters { waiter.promise.succeed(false) }
        context.fireChannelInactive()
    }
}

extension Array {
    /// The elements that satisfy `predicate`, and the others, each in order.
    fileprivate func partitioned(_ predicate: (Element) -> Bool) -> (matching: [Element], others: [Element]) {
        var matching: [Element] = []
        var others: [Element] = []
        for element in self {
            if predicate(element) { matching.append(element) } else { others.append(element) }
        }
        return (matching, others)
    }
}
