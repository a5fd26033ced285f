/// What a backend stores, and how it hears of changes made elsewhere: everything else — open,
/// subscribe, cancel, the writer, the reader loop, retries within the storage window, how a storage
/// failure reaches readers, leases and sweeps — is ``DurableStreamManager``'s, written once.
///
/// Each method is one atomic step against storage (a transaction, a statement, a commit): it either
/// happened or it did not. Any error it throws is a storage error: the engine retries the ones
/// ``isTransient(_:)`` calls transient, with backoff, for the storage window, and ends the stream
/// `UNAVAILABLE "Storage unavailable."` after that. Methods never decide about visibility, offsets or
/// lifecycles: they report what is stored.
package protocol DurableStorage: Sendable {
    /// Inserts a running stream with no chunks, owned by `scope.principal`, in `scope.flow`.
    /// - Returns: `false` when a stream with this id exists (running or finished); nothing changed.
    func create(_ id: StreamID, in scope: StreamScope) async throws -> Bool

    /// Appends each batch at its `base` if its stream still runs with exactly `base` chunks stored
    /// (the fence: a writer whose stream ended or was taken over can never add a chunk). A storage
    /// that can commits them together (one transaction for all); chunks of one batch are all stored
    /// or none.
    /// - Returns: One result per batch, in order.
    func append(_ batches: [ChunkAppend]) async throws -> [AppendResult]

    /// Stores the terminal outcome at the stream's chunk count if it still runs: the first terminal
    /// stored wins.
    /// - Returns: Whether this outcome is the stream's terminal (also when an earlier attempt whose
    ///   answer was lost stored it).
    func storeTerminal(_ outcome: StreamOutcome, of id: StreamID) async throws -> Bool

    /// The stream's record, or `nil` when there is none.
    func stream(_ id: StreamID) async throws -> StoredStream?

    /// One snapshot: the stream's record and up to `limit` of its chunks from `index` on, in order.
    /// - Returns: `nil` when there is no such stream.
    func page(of id: StreamID, from index: Int, limit: Int) async throws -> StoredPage?

    /// What is stored of each of `ids` that exists, in one read: the re-check under the wake-ups.
    func marks(of ids: [StreamID]) async throws -> [StreamID: StreamMark]

    /// Removes finished streams (with their chunks) that finished at least `retention` ago; running
    /// streams are never removed.
    /// - Returns: How many were removed.
    func removeExpired(retention: Duration) async throws -> Int

    /// The storage's own background work until the task is cancelled (for example one connection
    /// listening for other instances' commits), telling `notifications` what changed elsewhere.
    /// Returns when cancelled; failures are the storage's to retry.
    func run(notifying notifications: StorageNotifications) async

    /// Readers of this process started waiting for stream `id` to change: a storage that watches
    /// streams one by one (Firestore's `Listen` targets) starts watching it. Called once per stream
    /// until ``unfollow(_:)``; must not block. Does nothing by default.
    func follow(_ id: StreamID)

    /// No reader of this process waits for stream `id` any more (it finished, or was found gone).
    func unfollow(_ id: StreamID)

    /// Whether retrying may fix `error` (a busy database, a lost connection).
    func isTransient(_ error: any Error) -> Bool

    /// `error` for the logs: its code, never its message or any data.
    func describe(_ error: any Error) -> String
}

/// A storage whose streams are written by several processes: each running stream has a lease its
/// writer's process renews, and any process ends a stream whose lease expired.
package protocol LeasingStorage: DurableStorage {
    /// Renews the leases of the running streams among `ids` (the ones this process writes).
    /// - Returns: The ids renewed; the others finished (elsewhere) or are not stored yet.
    func renewLeases(of ids: [StreamID]) async throws -> Set<StreamID>

    /// Ends every running stream whose lease expired with `UNAVAILABLE "Stream writer lost."`,
    /// exactly once whichever process runs it first.
    /// - Returns: The ids this call ended.
    func expireLeases() async throws -> [StreamID]
}

extension DurableStorage {
    package func run(notifying notifications: StorageNotifications) async {}
    package func follow(_ id: StreamID) {}
    package func unfollow(_ id: StreamID) {}
}

// MARK: - What storage stores

/// A stream's record, as the engine needs it to serve, resume or cancel it.
package struct StoredStream: Sendable, Hashable {
    package var flow: String
    package var owner: String?
    /// The chunks stored.
    package var chunkCount: Int
    /// The terminal outcome; `nil` while the stream runs.
    package var outcome: StreamOutcome?

    package init(flow: String, owner: String?, chunkCount: Int, outcome: StreamOutcome?) {
        self.flow = flow
        self.owner = owner
        self.chunkCount = chunkCount
        self.outcome = outcome
    }

    package var lifecycle: StreamLifecycle {
        guard let outcome else { return StreamLifecycle(chunkCount: chunkCount) }
        return StreamLifecycle(state: .finished(chunkCount: chunkCount, outcome))
    }

    package var mark: StreamMark { StreamMark(chunkCount: chunkCount, finished: outcome != nil) }
}

/// A stream's record and a run of its chunks, read in one snapshot.
package struct StoredPage: Sendable {
    package var stream: StoredStream
    /// Chunks in index order, as stored (the engine checks they start where asked and have no gap).
    package var chunks: [StoredChunk]

    package init(stream: StoredStream, chunks: [StoredChunk]) {
        self.stream = stream
        self.chunks = chunks
    }
}

/// One stored chunk.
package struct StoredChunk: Sendable, Hashable {
    package var index: Int
    package var bytes: JSONBytes

    package init(index: Int, bytes: JSONBytes) {
        self.index = index
        self.bytes = bytes
    }
}

/// What a re-check learns of a stream: enough to tell whether its readers must look again.
package struct StreamMark: Sendable, Hashable {
    package var chunkCount: Int
    package var finished: Bool

    package init(chunkCount: Int, finished: Bool) {
        self.chunkCount = chunkCount
        self.finished = finished
    }
}

/// A batch of one stream's chunks to store at `base...`.
package struct ChunkAppend: Sendable {
    package let id: StreamID
    package let base: Int
    package let chunks: [JSONBytes]

    package init(id: StreamID, base: Int, chunks: [JSONBytes]) {
        self.id = id
        self.base = base
        self.chunks = chunks
    }

    /// The index after the last chunk.
    package var end: Int { base + chunks.count }
}

/// What became of one ``ChunkAppend``.
package enum AppendResult: Sendable, Hashable {
    /// The chunks are stored at `base...`.
    case appended
    /// An earlier attempt already stored them (its commit reported an error, or its answer was lost).
    case alreadyStored
    /// The stream has finished (or is gone): nothing was stored.
    case finished
    /// The stored count is not what the writer expects: a second writer, which the fence refuses.
    case outOfStep(stored: Int)
}
