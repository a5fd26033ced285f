import Synchronization

/// The streams a durable manager writes in this process whose terminal is not stored yet, by id.
package final class LiveStreams: Sendable {
    private let streams = Mutex<[StreamID: LiveStream]>([:])

    package init() {}

    /// Registers a stream being opened. - Returns: `false` when one with this id is live.
    package func register(_ stream: LiveStream) -> Bool {
        streams.withLock { streams in
            guard streams[stream.id] == nil else { return false }
            streams[stream.id] = stream
            return true
        }
    }

    /// Forgets a stream whose terminal is stored (or whose open failed).
    package func unregister(_ stream: LiveStream) {
        streams.withLock { streams in
            if streams[stream.id] === stream { streams[stream.id] = nil }
        }
    }

    /// The live stream with this id, if any.
    package func stream(_ id: StreamID) -> LiveStream? { streams.withLock { $0[id] } }

    /// Every live stream.
    package var all: [LiveStream] { streams.withLock { Array($0.values) } }
}
