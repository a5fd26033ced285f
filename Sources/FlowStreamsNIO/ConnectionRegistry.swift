package import FlowStreams
package import Logging
package import NIOCore
import Synchronization

/// The open connections of one server, against `maximumConnections`. A connection arriving at the
/// limit takes the place of the one idle the longest (closed at once, counted as `closed=idle`);
/// when none is idle it is itself closed at once (`closed=new`). Thread-safe: connections of every
/// event loop report here.
package final class ConnectionRegistry: Sendable {
    /// A connection's place, until it closes.
    package struct Place: Hashable, Sendable {
        fileprivate let number: Int
    }

    private struct State {
        var open = 0
        var nextNumber = 0
        var nextStamp = 0
        /// Idle connections, with the stamp of the moment they became idle.
        var idle: [Int: (channel: any Channel, stamp: Int)] = [:]
        /// Idle connections oldest first, as (number, stamp); entries whose stamp no longer matches
        /// `idle` are stale and skipped.
        var idleOrder: [(number: Int, stamp: Int)] = []
        var idleOrderStart = 0

        mutating func oldestIdle() -> (number: Int, channel: any Channel)? {
            while idleOrderStart < idleOrder.count {
                let entry = idleOrder[idleOrderStart]
                idleOrderStart += 1
                if let idleEntry = idle[entry.number], idleEntry.stamp == entry.stamp {
                    idle[entry.number] = nil
                    return (entry.number, idleEntry.channel)
                }
            }
            return nil
        }

        /// Drops stale and consumed entries once they outnumber the live ones, so the order stays
        /// proportional to the idle connections however often they turn busy and idle again.
        mutating func compactIfNeeded() {
            let live = idleOrder.count - idleOrderStart
            guard live > 2 * idle.count + 64 || idleOrderStart > max(64, idleOrder.count / 2) else { return }
            idleOrder = idleOrder[idleOrderStart...].filter { idle[$0.number]?.stamp == $0.stamp }
            idleOrderStart = 0
        }
    }

    /// The most connections open at once.
    package let maximumConnections: Int
    private let metrics: FlowMetrics
    private let logger: Logger
    private let state = Mutex(State())

    package init(maximumConnections: Int, metrics: FlowMetrics, logger: Logger) {
        self.maximumConnections = maximumConnections
        self.metrics = metrics
        self.logger = logger
    }

    /// The number of connections open now.
    package var openCount: Int { state.withLock { $0.open } }

    /// A new connection: a place for it, or `nil` when every place is taken by a busy connection
    /// (the caller closes it). At the limit, the connection idle the longest is closed to make room.
    package func open(_ channel: any Channel) -> Place? {
        let (place, evicted): (Place?, (any Channel)?) = state.withLock { state in
            var evicted: (any Channel)?
            if state.open >= maximumConnections {
                guard let oldest = state.oldestIdle() else { return (nil, nil) }
                state.compactIfNeeded()
                evicted = oldest.channel
            }
            state.open += 1
            defer { state.nextNumber += 1 }
            return (Place(number: state.nextNumber), evicted)
        }
        guard let place else {
            metrics.refusedConnections.increment()
            logger.debug("connection limit reached, closing a new connection")
            return nil
        }
        metrics.openConnections.increment()
        if let evicted {
            metrics.evictedConnections.increment()
            logger.debug("connection limit reached, closing the connection idle the longest")
            evicted.close(promise: nil)
        }
        return place
    }

    /// The connection has no request in progress: it may be closed to make room.
    package func becameIdle(_ place: Place, channel: any Channel) {
        state.withLock { state in
            let stamp = state.nextStamp
            state.nextStamp += 1
            state.idle[place.number] = (channel, stamp)
            state.idleOrder.append((place.number, stamp))
            state.compactIfNeeded()
        }
    }

    /// The connection is receiving a request or answering one.
    package func becameBusy(_ place: Place) {
        state.withLock { state in _ = state.idle.removeValue(forKey: place.number) }
    }

    /// The connection closed: its place is free.
    package func closed(_ place: Place) {
        state.withLock { state in
            state.open -= 1
            state.idle[place.number] = nil
        }
        metrics.openConnections.decrement()
    }
}
