import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The first handler of a listening channel: when accepting fails for want of resources (`EMFILE`,
/// `ENFILE`, `ENOBUFS`, `ENOMEM`), stops accepting for a second, then tries again.
///
/// NIO's `AcceptBackoffHandler` (in Hummingbird's listener, not in Vapor's) only delays the next
/// `read()`: after a failed accept NIO's listening channel stays registered for readability (its read
/// is still pending), so the event loop wakes at once, accepts, fails, and spins (37,513 failed
/// `accept4` calls in 4 s, 30% of a core, seen with `strace -c`). Turning `autoRead` off takes the
/// listener out of the event loop's poll until it is turned on again.
final class AcceptErrorPause: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    static let pause = TimeAmount.seconds(1)

    private let logger: Logger
    private var paused = false

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? IOError, Self.isResourceShortage(error.errnoCode), !paused,
           let options = context.channel.syncOptions
        {
            paused = true
            logger.debug("accepting a connection failed, pausing accepts", metadata: ["flowstreams.error": "\(error)"])
            try? options.setOption(.autoRead, value: false)
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.pause) { [self] in
                paused = false
                try? context.channel.syncOptions?.setOption(.autoRead, value: true)
            }
        }
        context.fireErrorCaught(error)
    }

    static func isResourceShortage(_ code: Int32) -> Bool {
        code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM
    }
}
