import FlowStreams
import Synchronization

/// The last batch committed for each stream written in this process, so a reader that has caught
/// up gets a commit's chunks from memory instead of reading them back. A batch is recorded only
/// after its commit (stored before seen), before the stream's readers are woken.
final class RecentCommits: Sendable {
    enum Lookup {
        /// The chunks from the asked index to the last commit.
        case events([StreamEvent])
        /// The reader has every committed chunk: wait for the next commit.
        case caughtUp
        /// Not known here: read the database.
        case unknown
    }

    private struct Batch {
        let base: Int
        let chunks: [JSONBytes]
        var end: Int { base + chunks.count }
    }

    private let batches = Mutex<[StreamID: Batch]>([:])

    /// Records the chunks committed at `base...` (call for every commit of the stream, in order).
    func record(_ id: StreamID, base: Int, chunks: [JSONBytes]) {
        batches.withLock { $0[id] = Batch(base: base, chunks: chunks) }
    }

    /// Forgets a stream whose terminal is stored.
    func forget(_ id: StreamID) {
        batches.withLock { $0[id] = nil }
    }

    /// The committed chunks from `index` on, if the last commit covers `index`.
    func lookup(_ id: StreamID, from index: Int) -> Lookup {
        guard let batch = batches.withLock({ $0[id] }) else { return .unknown }
        if index == batch.end { return .caughtUp }
        guard index >= batch.base, index < batch.end else { return .unknown }
        return .events((index..<batch.end).map { .chunk(index: $0, batch.chunks[$0 - batch.base]) })
    }
}
