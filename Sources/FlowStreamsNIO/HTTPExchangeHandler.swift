import NIOCore
import NIOHTTP1

/// Sits right after the HTTP/1 request decoder and sees every request and response part:
/// - tells the ``ConnectionState`` when a request starts and ends and when its response ends (the
///   read deadline and the idle timeout);
/// - holds back a pipelined request until the response before it has ended (reading no more
///   meanwhile), so a request is never started behind a response that closes the connection;
/// - closes the connection as HTTP says, once the response is written: after the answer to an
///   HTTP/1.0 request without keep-alive or to a `Connection: close` request, and after a response
///   that says `Connection: close` (the answer then says exactly that, once). Held requests are
///   dropped unanswered; the client may send them again on a new connection.
final class HTTPExchangeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let state: ConnectionState
    /// Whether each request passed on and not answered yet allows the connection to stay open, and
    /// whether it is HTTP/1.0 (whose keep-alive the answer must confirm).
    private var keepAlive = CircularBuffer<(allowed: Bool, http10: Bool)>()
    /// Parts of pipelined requests not passed on yet.
    private var held = CircularBuffer<HTTPServerRequestPart>()
    private var readPending = false
    private var closeAfterResponse = false
    private var closing = false

    init(_ state: ConnectionState) { self.state = state }

    // MARK: Requests

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let part = unwrapInboundIn(data)
        switch part {
        case .head: state.requestStarted()
        case .body: break
        case .end: state.requestEnded()
        }
        if !held.isEmpty || (Self.isHead(part) && !keepAlive.isEmpty) {
            if held.isEmpty { state.holdStarted() }
            held.append(part)
        } else {
            pass(part, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        guard held.isEmpty else {
            readPending = true
            return
        }
        context.read()
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        if case .head(let head) = part { keepAlive.append((head.isKeepAlive, head.version == .http1_0)) }
        context.fireChannelRead(wrapInboundOut(part))
    }

    /// Passes on the held parts up to the next request head that must wait, as one read (handlers
    /// such as NIO's async channel deliver what they read at the read's end).
    private func passHeld(context: ChannelHandlerContext) {
        var passed = false
        while let part = held.first, !(Self.isHead(part) && !keepAlive.isEmpty) {
            pass(held.removeFirst(), context: context)
            passed = true
        }
        if passed { context.fireChannelReadComplete() }
        guard held.isEmpty else { return }
        state.holdEnded()
        if readPending {
            readPending = false
            context.read()
        }
    }

    private static func isHead(_ part: HTTPServerRequestPart) -> Bool {
        if case .head = part { return true }
        return false
    }

    // MARK: Responses

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head) where !head.isInformational:
            let request = keepAlive.first ?? (allowed: true, http10: false)
            if !request.allowed || !head.isKeepAlive {
                closeAfterResponse = true
                head.headers.replaceOrAdd(name: "connection", value: "close")
            } else if request.http10 {
                head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .head, .body:
            context.write(data, promise: promise)
        case .end:
            if !keepAlive.isEmpty { keepAlive.removeFirst() }
            state.responseEnded()
            guard closeAfterResponse else {
                context.write(data, promise: promise)
                passHeld(context: context)
                return
            }
            closing = true
            held.removeAll()
            context.writeAndFlush(data).assumeIsolated().whenComplete { result in
                promise?.completeWith(result)
                context.close(promise: nil)
            }
        }
    }
}

extension HTTPResponseHead {
    /// A `1xx` head other than `101`: another head follows it.
    fileprivate var isInformational: Bool {
        (100..<200).contains(status.code) && status.code != 101
    }
}
