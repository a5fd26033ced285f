import Logging
import NIOCore

/// What one connection is doing, for its two timers and its place in the ``ConnectionRegistry``:
/// receiving a request (from its first byte until its end is decoded: the read deadline runs),
/// answering requests, or idle (neither: the idle timeout runs, and the registry may close it to
/// make room). A response in progress, however silent, is never idle.
///
/// Shared by ``ConnectionFrontHandler`` (raw bytes, open and close) and ``HTTPExchangeHandler``
/// (request and response parts). Used on the connection's event loop only.
final class ConnectionState {
    private let limits: ConnectionLimits
    private var context: ChannelHandlerContext?
    private var place: ConnectionRegistry.Place?
    /// Bytes of a request have arrived and its end has not been decoded yet.
    private var receiving = false
    /// Requests whose head arrived and whose response has not ended.
    private var unanswered = 0
    private var isIdle = false
    /// A pipelined request is held back: no read deadline runs.
    private var holding = false
    private var readDeadline: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    // MARK: Events

    /// The connection opened: take a place among the server's connections.
    /// - Returns: `false` when there is none (every other connection is busy): close it.
    func opened(context: ChannelHandlerContext) -> Bool {
        self.context = context
        guard let place = limits.registry.open(context.channel) else { return false }
        self.place = place
        update()
        return true
    }

    /// Bytes arrived: a request is being received; its read deadline starts unless it runs already.
    func bytesArrived() {
        startReceiving()
        update()
    }

    /// A request head was decoded.
    func requestStarted() {
        startReceiving()
        unanswered += 1
        update()
    }

    /// A request was received in full.
    func requestEnded() {
        receiving = false
        readDeadline?.cancel()
        readDeadline = nil
        update()
    }

    /// A pipelined request is held back (and the connection reads no more) until the response
    /// before it ends: the time it waits is not the client's, so its read deadline stops.
    func holdStarted() {
        holding = true
        readDeadline?.cancel()
        readDeadline = nil
    }

    /// The held requests were passed on: one still being received gets a whole read deadline.
    func holdEnded() {
        guard holding else { return }
        holding = false
        guard receiving, readDeadline == nil else { return }
        receiving = false
        startReceiving()
    }

    /// A response was written in full.
    func responseEnded() {
        unanswered = max(0, unanswered - 1)
        update()
    }

    /// The connection closed.
    func closed() {
        readDeadline?.cancel()
        idleTimer?.cancel()
        readDeadline = nil
        idleTimer = nil
        if let place { limits.registry.closed(place) }
        place = nil
        context = nil
    }

    // MARK: Timers

    private func startReceiving() {
        guard !receiving, let context else { return }
        receiving = true
        guard !holding else { return }
        readDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.requestReadDeadline)) {
            [self] in
            readDeadline = nil
            guard receiving else { return }
            limits.logger.debug("request not received within the read deadline, closing the connection")
            self.context?.close(promise: nil)
        }
    }

    /// Starts or stops the idle timer and tells the registry, when idleness changed.
    private func update() {
        let idle = !receiving && unanswered == 0
        guard idle != isIdle, let context, let place else { return }
        isIdle = idle
        if idle {
            limits.registry.becameIdle(place, channel: context.channel)
            idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(limits.idleTimeout)) { [self] in
                idleTimer = nil
                guard isIdle else { return }
                limits.logger.debug("connection idle for the idle timeout, closing it")
                self.context?.close(promise: nil)
            }
        } else {
            limits.registry.becameBusy(place)
            idleTimer?.cancel()
            idleTimer = nil
        }
    }
}
