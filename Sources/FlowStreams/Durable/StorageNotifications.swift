/// What a storage tells its ``DurableStreamManager`` about changes made by other processes, from
/// its background work (`DurableStorage.run(notifying:)`). A notification is only a hint: readers
/// then read storage, which is the truth.
package struct StorageNotifications: Sendable {
    let onChanged: @Sendable (StreamID) -> Void
    let onFinished: @Sendable (StreamID) -> Void
    let onReconnected: @Sendable () async -> Void

    /// Chunks of stream `id` were committed elsewhere: its readers here read on.
    package func streamChanged(_ id: StreamID) { onChanged(id) }

    /// The terminal of stream `id` was stored elsewhere (a cancel through another instance, an
    /// expired lease): its readers here read it, and a flow writing it here is told to stop.
    package func streamFinished(_ id: StreamID) { onFinished(id) }

    /// Notifications may have been missed (the connection carrying them was re-established): every
    /// reader here reads again, and leases are renewed now.
    package func reconnected() async { await onReconnected() }
}
