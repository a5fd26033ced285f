import NIOCore
import NIOHTTP1

/// One thing the response stream hands to its reader.
enum ResponseEvent: Sendable {
    case head(HTTPResponseHead)
    case body(ByteBuffer)
    case end
    case failure(any Error)
}

/// The last handler of a ``TestHTTPConnection`` pipeline: queues response parts until the test asks
/// for them, and holds back socket reads while too much is queued.
///
/// Backpressure works the NIO way: with `autoRead` on, the channel asks for the next socket read after each
/// read burst by sending `read` down the pipeline. This handler lets that `read` through only while fewer
/// than ``highWatermark`` body bytes wait for the test; otherwise it remembers the request and issues it
/// once the test has taken enough. So a test that stops calling `next()` stops the client reading the
/// socket, the kernel buffers fill, and the server's writes wait.
///
/// All methods run on the channel's event loop.
final class ResponseStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    /// Socket reads pause while this many body bytes (or more) are queued for the test.
    static let highWatermark = 64 * 1024

    private struct Waiter {
        var promise: EventLoopPromise<ResponseEvent>
        var timeout: Scheduled<Void>?
    }

    private var context: ChannelHandlerContext?
    private var queue = CircularBuffer<ResponseEvent>()
    private var queuedBytes = 0
    /// `.end` or `.failure`, once received: nothing is queued after it, and it is repeated to later readers.
    private var terminal: ResponseEvent?
    private var waiter: Waiter?
    private var readHeld = false

    // MARK: Reader side

    /// Completes `promise` with the next event: now if one is queued, else when one arrives, or with a
    /// timeout error after `timeout`.
    func register(_ promise: EventLoopPromise<ResponseEvent>, timeout: TimeAmount, timeoutError: TestTimeoutError) {
        if let event = dequeue() {
            promise.succeed(event)
            return
        }
        guard waiter == nil else {
            promise.fail(TestSupportError("TestHTTPConnection.next() called while another read was pending"))
            return
        }
        let future = promise.futureResult
        let scheduled = promise.futureResult.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            self.abandon(future, error: timeoutError)
        }
        waiter = Waiter(promise: promise, timeout: scheduled)
        releaseHeldRead()
    }

    /// Fails the waiting reader whose promise has `future`, if it is still waiting (cancellation, timeout).
    func abandon(_ future: EventLoopFuture<ResponseEvent>, error: any Error) {
        guard let waiter, waiter.promise.futureResult === future else { return }
        self.waiter = nil
        waiter.timeout?.cancel()
        waiter.promise.fail(error)
    }

    /// Writes and flushes the request.
    func send(_ parts: [HTTPClientRequestPart]) {
        guard let context else { return }
        for part in parts {
            context.write(wrapOutboundOut(part), promise: nil)
        }
        context.flush()
    }

    private func dequeue() -> ResponseEvent? {
        guard let event = queue.popFirst() else { return terminal }
        if case .body(let buffer) = event { queuedBytes -= buffer.readableBytes }
        releaseHeldRead()
        return event
    }

    private func releaseHeldRead() {
        guard readHeld, queuedBytes < Self.highWatermark, let context else { return }
        readHeld = false
        context.read()
    }

    private func deliver(_ event: ResponseEvent) {
        guard terminal == nil else { return }
        switch event {
        case .end, .failure: terminal = event
        case .head, .body: break
        }
        if let waiter {
            self.waiter = nil
            waiter.timeout?.cancel()
            waiter.promise.succeed(event)
            return
        }
        if case .body(let buffer) = event { queuedBytes += buffer.readableBytes }
        queue.append(event)
    }

    // MARK: Channel side

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): deliver(.head(head))
        case .body(let buffer) where buffer.readableBytes > 0: deliver(.body(buffer))
        case .body: break
        case .end: deliver(.end)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        deliver(.failure(error))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Ignored when the response already ended (the usual `Connection: close` case).
        deliver(.failure(TestSupportError("the connection closed before the end of the response")))
        context.fireChannelInactive()
    }

    func read(context: ChannelHandlerContext) {
        if queuedBytes >= Self.highWatermark {
            readHeld = true
        } else {
            context.read()
        }
    }
}
