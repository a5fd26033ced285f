import FlowStreams

/// Reads one stream for one reader: a page of committed rows at a time from the reader's own index,
/// then the terminal event; when it has caught up it waits on the stream's hub (a local commit, a
/// notification, or the periodic re-check wakes it).
struct StreamReader: Sendable {
    let store: PostgresStore
    let id: StreamID

    /// The events from `index` on: at least one, at most a page.
    /// - Throws: `NOT_FOUND` when the stream was removed by retention meanwhile; `UNAVAILABLE
    ///   "Storage unavailable."` when storage failed for the storage window; `CancellationError`.
    func events(from index: Int) async throws -> [StreamEvent] {
        let pageSize = max(1, store.configuration.pageSize)
        while true {
            let changes = store.hubs.changes(for: id)
            let seen = changes.version
            if let terminal = store.live.stream(id)?.overriddenTerminal, index >= terminal.index {
                return [.finished(index: terminal.index, terminal.outcome)]
            }
            let id = self.id
            let row: StoredStream?
            let page: [StreamEvent]
            do {
                (row, page) = try await store.perform("read") { try await $0.page(id: id, from: index, limit: pageSize) }
            } catch let error as FlowError where error == .storageUnavailable {
                // The database failed under a stream that ended in memory meanwhile.
                if let terminal = store.live.stream(id)?.overriddenTerminal, index >= terminal.index {
                    return [.finished(index: terminal.index, terminal.outcome)]
                }
                throw error
            }
            guard let stream = row else { throw FlowError.streamNotFound }
            if let last = page.last {
                guard page.first?.index == index, last.index == index + page.count - 1 else {
                    throw FlowError.storageUnavailable  // a gap in the stored chunks: never serve it
                }
                if let outcome = stream.outcome, page.count < pageSize, last.index + 1 == stream.chunkCount {
                    return page + [.finished(index: stream.chunkCount, outcome)]
                }
                return page
            }
            if let outcome = stream.outcome {
                guard index >= stream.chunkCount else { throw FlowError.storageUnavailable }  // chunks missing
                return [.finished(index: stream.chunkCount, outcome)]
            }
            try await changes.wait(after: seen)
        }
    }
}
