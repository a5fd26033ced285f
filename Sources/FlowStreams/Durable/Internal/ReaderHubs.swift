import Synchronization

/// The readers of this process waiting for a stream to change: one `StreamChanges` per stream
/// followed, woken by local commits and terminals, by storage's notifications of changes made
/// elsewhere, and by the periodic re-check, so a missed notification costs one re-check per stream,
/// not one read per reader.
///
/// A stream's hub goes away when its terminal is known (after waking its readers once more: a reader
/// that took the hub before reads again and finds the terminal; one that comes later reads storage
/// first), or when a re-check finds it gone.
package final class ReaderHubs: Sendable {
    private struct Hub {
        let changes = StreamChanges()
        /// What the last re-check saw (`nil` before the first).
        var mark: StreamMark?
    }

    private let hubs = Mutex<[StreamID: Hub]>([:])
    /// Told when a stream gets a hub, and when it loses it (the storage's `follow` / `unfollow`).
    private let onFollow: @Sendable (StreamID) -> Void
    private let onUnfollow: @Sendable (StreamID) -> Void

    package init(
        onFollow: @escaping @Sendable (StreamID) -> Void = { _ in },
        onUnfollow: @escaping @Sendable (StreamID) -> Void = { _ in }
    ) {
        self.onFollow = onFollow
        self.onUnfollow = onUnfollow
    }

    /// The changes of stream `id`, created on first use.
    package func changes(for id: StreamID) -> StreamChanges {
        let (changes, created) = hubs.withLock { hubs in
            if let hub = hubs[id] { return (hub.changes, false) }
            let hub = Hub()
            hubs[id] = hub
            return (hub.changes, true)
        }
        if created { onFollow(id) }
        return changes
    }

    /// Wakes the readers of stream `id` (if any here).
    package func signal(_ id: StreamID) {
        hubs.withLock { $0[id]?.changes }?.signal()
    }

    /// The stream's terminal is stored: wakes its readers a last time and forgets it.
    package func finish(_ id: StreamID) {
        guard let changes = hubs.withLock({ $0.removeValue(forKey: id)?.changes }) else { return }
        changes.signal()
        onUnfollow(id)
    }

    /// Wakes every reader (after notifications may have been missed).
    package func signalAll() {
        for changes in hubs.withLock({ $0.values.map(\.changes) }) { changes.signal() }
    }

    /// The ids of the streams followed here.
    package var ids: [StreamID] { hubs.withLock { Array($0.keys) } }

    /// Applies a re-check: wakes the readers of streams that changed since the last one, and forgets
    /// the streams that finished or are gone (waking their readers one last time).
    package func apply(_ marks: [StreamID: StreamMark], checked ids: [StreamID]) {
        var wake: [StreamChanges] = []
        var forgotten: [StreamID] = []
        hubs.withLock { hubs in
            for id in ids {
                guard var hub = hubs[id] else { continue }
                let mark = marks[id]
                if mark == nil || mark?.finished == true {
                    hubs[id] = nil
                    wake.append(hub.changes)
                    forgotten.append(id)
                } else if hub.mark != mark {
                    hub.mark = mark
                    hubs[id] = hub
                    wake.append(hub.changes)
                }
            }
        }
        for changes in wake { changes.signal() }
        for id in forgotten { onUnfollow(id) }
    }
}
