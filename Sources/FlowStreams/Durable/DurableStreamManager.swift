public import Logging

/// The one stream engine of FlowStreams' durable managers (in memory, SQLite, PostgreSQL,
/// Firestore): open, subscribe and cancel, the writer, the reader loop, retries within the storage
/// window, the one way a storage failure reaches readers, leases, re-checks and retention, over a
/// ``DurableStorage`` that supplies only the storage steps and its wake-ups.
///
/// Invariants kept here for every backend (docs/ARCHITECTURE.md, "Stream engine"):
/// - chunks reach a reader in order with no gap or duplicate, then exactly one terminal; a reader
///   holds one page and catches up from storage, and never slows the writer;
/// - stored before seen: a reader gets a chunk only after its commit (from the last commit kept in
///   memory, or from storage);
/// - the first terminal stored wins; a writer whose stream ended can never append (fenced in storage);
/// - a terminal that storage could not take still reaches this process's readers, and is stored later.
package final class DurableStreamManager<Storage: DurableStorage>: StreamManager {
    package let storage: Storage
    package let configuration: DurableConfiguration
    let logger: Logger
    /// Streams this process writes whose terminal is not stored yet.
    let live = LiveStreams()
    /// The streams readers of this process wait on.
    let hubs: ReaderHubs
    let retry: StorageRetry
    let groupCommit: GroupCommit?

    /// - Parameters:
    ///   - storage: The backend's storage steps.
    ///   - configuration: Paging, retention, the storage window, leases and re-checks.
    ///   - logger: Debug logs; storage failures at error. Stream ids only at debug.
    package init(storage: Storage, configuration: DurableConfiguration, logger: Logger) {
        self.storage = storage
        self.configuration = configuration
        self.logger = logger
        hubs = ReaderHubs(onFollow: { [storage] in storage.follow($0) }, onUnfollow: { [storage] in storage.unfollow($0) })
        let retry = StorageRetry(
            window: configuration.storageWindow, initialDelay: configuration.initialRetryDelay,
            attemptTimeout: configuration.attemptTimeout, logger: logger,
            isTransient: { [storage] in storage.isTransient($0) }, describe: { [storage] in storage.describe($0) })
        self.retry = retry
        groupCommit = configuration.commitsAcrossStreams
            ? GroupCommit { [storage] appends in try await retry.run("write") { try await storage.append(appends) } }
            : nil
    }

    /// Runs one storage step with retries.
    /// - Throws: `StreamManagerError.storageUnavailable` when storage failed for the storage window.
    func perform<T: Sendable>(_ what: String, _ step: @escaping @Sendable (Storage) async throws -> T) async throws -> T {
        let storage = self.storage
        do {
            return try await retry.run(what) { try await step(storage) }
        } catch is StorageFailure {
            throw StreamManagerError.storageUnavailable
        }
    }

    // MARK: StreamManager

    package func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter {
        let stream = LiveStream(id: id, scope: scope)
        guard live.register(stream) else { throw StreamManagerError.alreadyExists }
        do {
            guard try await perform("open", { try await $0.create(id, in: scope) }) else {
                throw StreamManagerError.alreadyExists
            }
        } catch {
            live.unregister(stream)
            throw error
        }
        return Writer(engine: self, stream: stream)
    }

    package func subscribe(_ id: StreamID, after index: Int?, in scope: StreamScope) async throws -> StreamEvents {
        let lifecycle: StreamLifecycle
        let stream = live.stream(id)
        if let terminal = stream?.overriddenTerminal, let stream {
            guard scope.canSee(flow: stream.scope.flow, owner: stream.scope.principal) else {
                throw StreamManagerError.notFound
            }
            lifecycle = StreamLifecycle(state: .finished(chunkCount: terminal.index, terminal.outcome))
        } else {
            // A stream running here is known without a storage read.
            lifecycle = try await visibleRecord(id, of: stream, in: scope).lifecycle
        }
        let start: Int
        do {
            start = try lifecycle.firstIndex(after: index)
        } catch where stream != nil {
            // Memory learns of a commit just after storage has it, and a reader may already have had
            // the chunk from storage: storage, the truth, decides an offset memory refuses.
            start = try await visibleRecord(id, of: nil, in: scope).lifecycle.firstIndex(after: index)
        }
        return StreamEvents(from: start) { from in try await self.events(of: id, from: from) }
    }

    package func cancel(_ id: StreamID, in scope: StreamScope) async throws -> CancelResult {
        let stream = live.stream(id)
        let record = try await visibleRecord(id, of: stream, in: scope)
        if let stream {
            guard stream.decideCancel() else { return .alreadyFinished }
            // Decided here, so the flow stops now, before a write of its fails on the ended stream
            // (whatever storage says next, the stream has ended); then CANCELLED is stored, even if
            // the caller goes away, so readers are never left waiting.
            stream.fireCancel()
            let stored = try await Task { try await self.storeTerminal(.failure(.streamCancelled), of: stream, what: "cancel") }.value
            return stored ? .cancelled : .alreadyFinished
        }
        guard record.outcome == nil else { return .alreadyFinished }
        // Running in another process: store CANCELLED; that process hears of it from storage and
        // stops the flow.
        let cancelled = try await Task {
            try await self.perform("cancel") { try await $0.storeTerminal(.failure(.streamCancelled), of: id) }
        }.value
        if cancelled { hubs.finish(id) }
        return cancelled ? .cancelled : .alreadyFinished
    }

    /// The stream's record, if `scope` may see it: from memory while it runs here, else from storage.
    /// - Throws: `notFound`; `storageUnavailable`.
    private func visibleRecord(_ id: StreamID, of stream: LiveStream?, in scope: StreamScope) async throws -> StoredStream {
        var record = stream?.runningRecord
        if record == nil { record = try await perform("read") { try await $0.stream(id) } }
        guard let record, scope.canSee(flow: record.flow, owner: record.owner) else { throw StreamManagerError.notFound }
        return record
    }
}
