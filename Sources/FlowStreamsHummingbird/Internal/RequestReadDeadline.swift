import Logging
import NIOCore
import NIOHTTP1

/// The request read deadline of one connection: from the first byte of a request until its end has
/// been decoded, at most `deadline` may pass, else the connection is closed (a client sending a byte a
/// second never finishes its request: Hummingbird's idle timeout is reset by every body part).
///
/// Two handlers share it: ``RawBytesHandler`` at the front of the pipeline arms it when bytes arrive,
/// ``RequestPartsHandler`` right after the HTTP/1 decoder disarms it at the end of each request. A
/// connection without a request in progress is left to the idle timeout. Used on the event loop only.
final class RequestReadDeadline {
    private let deadline: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?
    private var requestInProgress = false

    init(deadline: Duration, logger: Logger) {
        self.deadline = TimeAmount(deadline)
        self.logger = logger
    }

    /// Bytes arrived: a request is being received; start its clock unless it runs already.
    func bytesArrived(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        requestInProgress = true
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: deadline) { [self] in
            timer = nil
            guard requestInProgress else { return }
            logger.debug("request not received within the read deadline, closing the connection")
            context.close(promise: nil)
        }
    }

    /// A request was received in full.
    func requestEnded() {
        requestInProgress = false
        timer?.cancel()
        timer = nil
    }

    // MARK: Handlers

    /// Added by Hummingbird after its HTTP codec (where raw bytes are no longer seen): puts the two
    /// handlers of a ``RequestReadDeadline`` in place, then only passes everything on.
    final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = NIOAny
        private let deadline: Duration
        private let logger: Logger

        init(deadline: Duration, logger: Logger) {
            self.deadline = deadline
            self.logger = logger
        }

        func handlerAdded(context: ChannelHandlerContext) {
            let state = RequestReadDeadline(deadline: deadline, logger: logger)
            let pipeline = context.pipeline.syncOperations
            do {
                let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try pipeline.addHandler(RequestPartsHandler(state), position: .after(decoder))
                try pipeline.addHandler(RawBytesHandler(state), position: .first)
            } catch {
                logger.error("cannot install the request read deadline", metadata: ["flowstreams.error": "\(error)"])
            }
        }
    }

    final class RawBytesHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        private let state: RequestReadDeadline

        init(_ state: RequestReadDeadline) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            state.bytesArrived(context: context)
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            state.requestEnded()
            context.fireChannelInactive()
        }
    }

    final class RequestPartsHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        private let state: RequestReadDeadline

        init(_ state: RequestReadDeadline) { self.state = state }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .end = unwrapInboundIn(data) { state.requestEnded() }
            context.fireChannelRead(data)
        }
    }
}
