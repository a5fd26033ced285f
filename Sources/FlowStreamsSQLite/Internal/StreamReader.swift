import FlowStreams
import GRDB

/// Reads one stream for one reader: a page of committed rows at a time from the reader's own index,
/// then the terminal event; waits for the writer's wake-up when it has caught up.
struct StreamReader: Sendable {
    let store: StreamStore
    let id: StreamID

    /// How long a reader of a running stream with no writer in this process waits before reading
    /// again (cannot happen while one manager owns the file; a safety net, never a hang).
    static let orphanPollInterval: Duration = .milliseconds(100)

    /// The events from `index` on: at least one, at most a page.
    /// - Throws: `NOT_FOUND` when the stream was removed by retention meanwhile; `UNAVAILABLE
    ///   "Storage unavailable."` when storage failed for the storage window; `CancellationError`.
    func events(from index: Int) async throws -> [StreamEvent] {
        while true {
            let live = store.live.stream(id)
            let seen = live?.version
            if let terminal = live?.overriddenTerminal, index >= terminal.index {
                return [.finished(index: terminal.index, terminal.outcome)]
            }
            // A running stream written here: a reader at the last commit gets its chunks from memory.
            if let live, let seen, live.isRunning {
                switch store.recentCommits.lookup(id, from: index) {
                case .events(let events): return events
                case .caughtUp:
                    try await live.waitForChange(after: seen)
                    continue
                case .unknown: break
                }
            }
            let stream: StoredStream
            let page: [StreamEvent]
            do {
                (stream, page) = try await readPage(from: index)
            } catch let error as FlowError where error == .storageUnavailable {
                // The database failed (or was closed) under a stream that ended in memory meanwhile.
                if let terminal = store.live.stream(id)?.overriddenTerminal, index >= terminal.index {
                    return [.finished(index: terminal.index, terminal.outcome)]
                }
                throw error
            }
            if !page.isEmpty { return page }
            if let outcome = stream.outcome {
                guard index >= stream.chunkCount else { throw FlowError.storageUnavailable }  // chunks missing
                return [.finished(index: stream.chunkCount, outcome)]
            }
            if let live, let seen {
                try await live.waitForChange(after: seen)
            } else {
                try await Task.sleep(for: StreamReader.orphanPollInterval)
            }
        }
    }

    /// One snapshot: the stream's row and up to a page of chunks from `index`, plus the terminal when
    /// the page reaches it.
    private func readPage(from index: Int) async throws -> (StoredStream, [StreamEvent]) {
        let id = self.id
        let pageSize = max(1, store.configuration.pageSize)
        let (stream, page) = try await store.mappingStorageFailure {
            try await store.read("read") { db -> (StoredStream?, [StreamEvent]) in
                guard let stream = try StoredStream.fetch(db, id: id) else { return (nil, []) }
                guard index < stream.chunkCount else { return (stream, []) }
                return (stream, try Queries.chunkPage(db, id: id, from: index, limit: pageSize))
            }
        }
        guard let stream else { throw FlowError.streamNotFound }
        store.pageReadObserver.withLock { $0 }?(page.count)
        guard let last = page.last else { return (stream, []) }
        guard last.index == index + page.count - 1, page.first?.index == index else {
            throw FlowError.storageUnavailable  // a gap in the stored chunks: never serve it
        }
        if let outcome = stream.outcome, page.count < pageSize, last.index + 1 == stream.chunkCount {
            return (stream, page + [.finished(index: stream.chunkCount, outcome)])
        }
        return (stream, page)
    }
}
