extension DurableStreamManager {
    /// The events of stream `id` from `index` on, for one reader: at least one, at most a page.
    ///
    /// A reader of a stream written here that caught up gets the last commit's chunks from memory;
    /// otherwise it reads a page of stored chunks from its own index, with the terminal when the page
    /// reaches it. With nothing new, it waits on the stream's hub (a commit here, a notification, a
    /// re-check). Chunks are served only once stored, in order, without a gap.
    /// - Throws: `notFound` when the stream was removed by retention meanwhile; `storageUnavailable`
    ///   when storage failed for the storage window or lost chunks; `CancellationError`.
    func events(of id: StreamID, from index: Int) async throws -> [StreamEvent] {
        let pageSize = max(1, configuration.pageSize)
        while true {
            let changes = hubs.changes(for: id)
            let seen = changes.version
            let stream = live.stream(id)
            if let terminal = stream?.overriddenTerminal, index >= terminal.index {
                return [.finished(index: terminal.index, terminal.outcome)]
            }
            switch stream?.committed(from: index) {
            case .events(let events): return events
            case .caughtUp:
                try await changes.wait(after: seen)
                continue
            case .unknown, nil: break
            }
            let page: StoredPage?
            do {
                page = try await perform("read") { try await $0.page(of: id, from: index, limit: pageSize) }
            } catch let error as StreamManagerError where error.code == .storageUnavailable {
                // Storage failed under a stream that ended in memory meanwhile.
                if let terminal = live.stream(id)?.overriddenTerminal, index >= terminal.index {
                    return [.finished(index: terminal.index, terminal.outcome)]
                }
                throw error
            }
            guard let page else { throw StreamManagerError.notFound }
            if let events = try Self.events(in: page, from: index, pageSize: pageSize) {
                // A finished stream's hub is of no more use (and would stay): anyone holding it reads again.
                if page.stream.outcome != nil { hubs.finish(id) }
                return events
            }
            try await changes.wait(after: seen)
        }
    }

    /// The events a stored page gives a reader at `index`, or `nil` when there is nothing yet.
    /// - Throws: `storageUnavailable` for a page with a gap, or a finished stream missing chunks:
    ///   never served.
    static func events(in page: StoredPage, from index: Int, pageSize: Int) throws -> [StreamEvent]? {
        let stream = page.stream
        guard let last = page.chunks.last else {
            guard let outcome = stream.outcome else { return nil }
            guard index >= stream.chunkCount else { throw StreamManagerError.storageUnavailable }
            return [.finished(index: stream.chunkCount, outcome)]
        }
        guard page.chunks.first?.index == index, last.index == index + page.chunks.count - 1 else {
            throw StreamManagerError.storageUnavailable
        }
        var events = page.chunks.map { StreamEvent.chunk(index: $0.index, $0.bytes) }
        if let outcome = stream.outcome, page.chunks.count < pageSize, last.index + 1 == stream.chunkCount {
            events.append(.finished(index: stream.chunkCount, outcome))
        }
        return events
    }
}
