import FlowStreams
import Synchronization

/// The streams this instance's readers follow: one `StreamChanges` per stream, woken by local
/// commits, by notifications from other instances, and by the periodic re-check, so a missed
/// notification costs one re-check per stream, not one query per reader.
final class ReaderHubs: Sendable {
    private struct Hub {
        let changes = StreamChanges()
        /// What the last re-check saw (`nil` before the first).
        var mark: StreamMark?
    }

    private let hubs = Mutex<[String: Hub]>([:])

    /// The changes of stream `id`, created on first use.
    func changes(for id: StreamID) -> StreamChanges {
        hubs.withLock { hubs in
            if let hub = hubs[id.rawValue] { return hub.changes }
            let hub = Hub()
            hubs[id.rawValue] = hub
            return hub.changes
        }
    }

    /// Wakes the readers of stream `id` (if any here).
    func signal(_ id: String) {
        hubs.withLock { $0[id]?.changes }?.signal()
    }

    /// Wakes every reader (after the notification connection was re-established).
    func signalAll() {
        for changes in hubs.withLock({ $0.values.map(\.changes) }) { changes.signal() }
    }

    /// The ids of the streams followed here.
    var ids: [String] { hubs.withLock { Array($0.keys) } }

    /// Applies a re-check: wakes the readers of streams that changed since the last one, and forgets
    /// the streams that finished or are gone (waking their readers one last time, so a reader that is
    /// about to wait on a forgotten hub reads again instead).
    func apply(_ marks: [String: StreamMark], checked ids: [String]) {
        var wake: [StreamChanges] = []
        hubs.withLock { hubs in
            for id in ids {
                guard var hub = hubs[id] else { continue }
                let mark = marks[id]
                if mark == nil || mark?.finished == true {
                    hubs[id] = nil
                    wake.append(hub.changes)
                } else if hub.mark != mark {
                    hub.mark = mark
                    hubs[id] = hub
                    wake.append(hub.changes)
                }
            }
        }
        for changes in wake { changes.signal() }
    }
}
