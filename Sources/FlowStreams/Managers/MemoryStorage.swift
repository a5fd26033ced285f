import Synchronization

/// The storage of ``InMemoryStreamManager``: a dictionary of streams, each an array of chunks plus
/// its record, behind one lock. Every step is atomic and never fails.
final class MemoryStorage: DurableStorage {
    private struct Entry {
        var record: StoredStream
        var chunks: [JSONBytes] = []
        var finishedAt: Duration?
    }

    private let clock: ElapsedClock
    private let streams = Mutex<[StreamID: Entry]>([:])

    init(clock: ElapsedClock) { self.clock = clock }

    func create(_ id: StreamID, in scope: StreamScope) -> Bool {
        streams.withLock { streams in
            guard streams[id] == nil else { return false }
            streams[id] = Entry(record: StoredStream(flow: scope.flow, owner: scope.principal, chunkCount: 0, outcome: nil))
            return true
        }
    }

    func append(_ batches: [ChunkAppend]) -> [AppendResult] {
        streams.withLock { streams in
            batches.map { batch in
                guard var entry = streams[batch.id], entry.record.outcome == nil else { return .finished }
                guard entry.chunks.count == batch.base else {
                    return entry.chunks.count == batch.end ? .alreadyStored : .outOfStep(stored: entry.chunks.count)
                }
                streams[batch.id] = nil  // unique: the append below does not copy the chunks
                entry.chunks.append(contentsOf: batch.chunks)
                entry.record.chunkCount = entry.chunks.count
                streams[batch.id] = entry
                return .appended
            }
        }
    }

    func storeTerminal(_ outcome: StreamOutcome, of id: StreamID) -> Bool {
        let now = clock.now()
        return streams.withLock { streams in
            guard streams[id]?.record.outcome == nil, streams[id] != nil else { return false }
            streams[id]?.record.outcome = outcome
            streams[id]?.finishedAt = now
            return true
        }
    }

    func stream(_ id: StreamID) -> StoredStream? {
        streams.withLock { $0[id]?.record }
    }

    func page(of id: StreamID, from index: Int, limit: Int) -> StoredPage? {
        streams.withLock { streams in
            guard let entry = streams[id] else { return nil }
            let end = min(entry.chunks.count, index + limit)
            let chunks = index < end ? (index..<end).map { StoredChunk(index: $0, bytes: entry.chunks[$0]) } : []
            return StoredPage(stream: entry.record, chunks: chunks)
        }
    }

    func marks(of ids: [StreamID]) -> [StreamID: StreamMark] {
        streams.withLock { streams in
            var marks: [StreamID: StreamMark] = [:]
            for id in ids { marks[id] = streams[id]?.record.mark }
            return marks
        }
    }

    func removeExpired(retention: Duration) -> Int {
        let now = clock.now()
        return streams.withLock { streams in
            let expired = streams.filter { _, entry in entry.finishedAt.map { $0 + retention <= now } ?? false }
            for id in expired.keys { streams[id] = nil }
            return expired.count
        }
    }

    func isTransient(_ error: any Error) -> Bool { false }

    func describe(_ error: any Error) -> String { "\(type(of: error))" }
}
