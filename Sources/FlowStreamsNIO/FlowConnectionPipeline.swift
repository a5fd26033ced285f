import Logging
package import NIOCore
import NIOHTTP1

/// Puts the connection limits into the pipelines of a server, the same for Hummingbird and Vapor.
package enum FlowConnectionPipeline {
    /// Adds the limit handlers to a connection whose HTTP/1 handlers are in place: the front handler
    /// first (connection count, read deadline), the exchange handler right after the request decoder
    /// (request and response boundaries, idle timeout, pipelining, closing).
    /// - Parameters:
    ///   - pipeline: The connection's pipeline, on its event loop.
    ///   - limits: The server's limits.
    ///   - replacingDecoder: Whether to replace the request decoder with one enforcing the header
    ///     limits, and answer its errors `400` (for a server, like Vapor's, whose decoder has NIO's
    ///     defaults of 80 KiB and 65,534 fields and closes without an answer).
    /// - Throws: When the pipeline has no HTTP/1 request decoder.
    package static func configure(
        _ pipeline: ChannelPipeline.SynchronousOperations, limits: ConnectionLimits, replacingDecoder: Bool
    ) throws {
        let state = ConnectionState(limits: limits)
        let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        var last: any ChannelHandler = decoder
        if replacingDecoder {
            let limited = ByteToMessageHandler(HTTPRequestDecoder(
                leftOverBytesStrategy: .forwardBytes, limitConfiguration: limits.decoderLimits))
            try pipeline.addHandler(limited, position: .after(decoder))
            let errors = HTTPServerProtocolErrorHandler()
            try pipeline.addHandler(errors, position: .after(limited))
            pipeline.removeHandler(decoder, promise: nil)
            last = errors
        }
        try pipeline.addHandler(HTTPExchangeHandler(state), position: .after(last))
        try pipeline.addHandler(ConnectionFrontHandler(state), position: .first)
    }

    /// Puts the limits on a listening channel: pauses accepting for a second after an accept fails
    /// for want of files (``AcceptErrorPause``), and, for a framework that offers no hook into the
    /// connections it accepts, configures each accepted connection once its framework has set it up,
    /// before it is registered.
    /// - Parameters:
    ///   - serverChannel: The listening channel.
    ///   - limits: The server's limits.
    ///   - configuringConnections: Whether to configure the accepted connections here.
    package static func configureListener(
        _ serverChannel: any Channel, limits: ConnectionLimits, configuringConnections: Bool
    ) -> EventLoopFuture<Void> {
        serverChannel.eventLoop.submit {
            let pipeline = serverChannel.pipeline.syncOperations
            try pipeline.addHandler(AcceptErrorPause(logger: limits.logger), position: .first)
            if configuringConnections {
                try pipeline.addHandler(AcceptedConnections(limits: limits), position: .last)
            }
        }
    }

    /// Added by Hummingbird after its HTTP codec: configures the connection, then only passes
    /// everything on.
    package final class Installer: ChannelInboundHandler, RemovableChannelHandler {
        package typealias InboundIn = NIOAny
        private let limits: ConnectionLimits

        package init(limits: ConnectionLimits) { self.limits = limits }

        package func handlerAdded(context: ChannelHandlerContext) {
            do {
                try FlowConnectionPipeline.configure(context.pipeline.syncOperations, limits: limits, replacingDecoder: false)
            } catch {
                limits.logger.error("cannot install the connection limits", metadata: ["flowstreams.error": "\(error)"])
                context.close(promise: nil)
            }
        }
    }

    /// The last handler of a listening channel: sees each accepted connection after its framework's
    /// initializer ran and before it is registered, and configures it.
    final class AcceptedConnections: ChannelInboundHandler {
        typealias InboundIn = any Channel
        typealias InboundOut = any Channel
        private let limits: ConnectionLimits

        init(limits: ConnectionLimits) { self.limits = limits }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let connection = unwrapInboundIn(data)
            let limits = self.limits
            let configure: @Sendable () -> Void = {
                do {
                    try FlowConnectionPipeline.configure(connection.pipeline.syncOperations, limits: limits, replacingDecoder: true)
                } catch {
                    limits.logger.error("cannot install the connection limits", metadata: ["flowstreams.error": "\(error)"])
                    connection.close(promise: nil)
                }
            }
            // The channel registers the connection on its loop after this read: configure it there first.
            if connection.eventLoop.inEventLoop { configure() } else { connection.eventLoop.execute(configure) }
            context.fireChannelRead(data)
        }
    }
}
