import FlowStreams
import GRDB
import Synchronization

/// Commits the appends of many streams together: while one transaction runs, the appends that
/// arrive wait, and the next transaction takes all of them. N streams writing a chunk each cost one
/// commit instead of N (each append keeps its own fencing check inside the shared transaction).
///
/// No task of its own: the writer that finds no transaction running leads one batch, then hands the
/// lead to the oldest waiting writer, so no flow serves other streams' writes for longer than one batch.
final class GroupCommit: Sendable {
    /// One stream's batch of chunks, waiting for its result.
    final class Append: Sendable {
        enum Outcome {
            case done(Result<Queries.AppendResult, any Error>)
            /// Lead the next batch.
            case lead
        }

        let stream: LiveStream
        let chunks: [JSONBytes]
        let base: Int
        private let slot = Mutex<(outcome: Outcome?, waiter: CheckedContinuation<Outcome, Never>?)>((nil, nil))

        init(stream: LiveStream, chunks: [JSONBytes], base: Int) {
            self.stream = stream
            self.chunks = chunks
            self.base = base
        }

        func resolve(_ outcome: Outcome) {
            let waiter = slot.withLock { slot in
                defer { slot.waiter = nil }
                if slot.waiter == nil { slot.outcome = outcome }
                return slot.waiter
            }
            waiter?.resume(returning: outcome)
        }

        func wait() async -> Outcome {
            await withCheckedContinuation { continuation in
                let ready = slot.withLock { slot -> Outcome? in
                    if let outcome = slot.outcome { return outcome }
                    slot.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }

    private struct State {
        var pending: [Append] = []
        var leading = false
    }

    private let state = Mutex(State())

    /// Stores `append` in the next transaction.
    /// - Returns: Its result (`appended` readers are woken on commit).
    /// - Throws: What the transaction threw (`StorageFailure` after the storage window), for every append in it.
    func commit(_ append: Append, in store: StreamStore) async throws -> Queries.AppendResult {
        let leads = state.withLock { state in
            state.pending.append(append)
            defer { state.leading = true }
            return !state.leading
        }
        if !leads, case .done(let result) = await append.wait() { return try result.get() }
        let batch = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        // An awaited task of its own, so a cancelled leader does not fail the other streams' appends.
        let results = await Task {
            try await store.write("write") { db in
                try batch.map { append in
                    // A cancel or finish decided here meanwhile wins, as the database's fencing would.
                    guard append.stream.isRunning else { return Queries.AppendResult.finished }
                    let result = try Queries.appendChunks(db, id: append.stream.id, chunks: append.chunks, at: append.base)
                    if case .appended = result {
                        db.afterNextTransaction(onCommit: { _ in store.didCommit(append) })
                    }
                    return result
                }
            }
        }.result
        let next = state.withLock { state -> Append? in
            if state.pending.isEmpty { state.leading = false }
            return state.pending.first
        }
        next?.resolve(.lead)
        var own: Result<Queries.AppendResult, any Error> = .failure(CancellationError())
        for (index, member) in batch.enumerated() {
            let result = results.map { $0[index] }
            if member === append { own = result } else { member.resolve(.done(result)) }
        }
        return try own.get()
    }
}

extension StreamStore {
    /// An append is committed: remember its chunks for caught-up readers, then wake them.
    func didCommit(_ append: GroupCommit.Append) {
        recentCommits.record(append.stream.id, base: append.base, chunks: append.chunks)
        append.stream.didCommit(upTo: append.base + append.chunks.count)
    }
}
