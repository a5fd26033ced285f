import Synchronization

/// Commits the appends of many streams together: while one commit runs, the appends that arrive
/// wait, and the next commit takes all of them. N streams writing a chunk each cost one commit
/// instead of N (each append keeps its own fence inside the shared commit).
///
/// No task of its own: the writer that finds no commit running leads one batch, then hands the lead
/// to the oldest waiting writer, so no flow serves other streams' writes for longer than one batch.
final class GroupCommit: Sendable {
    /// One stream's batch, waiting for its result.
    private final class Member: Sendable {
        enum Outcome {
            case done(Result<AppendResult, any Error>)
            /// Lead the next batch.
            case lead
        }

        let stream: LiveStream
        let append: ChunkAppend
        private let slot = Mutex<(outcome: Outcome?, waiter: CheckedContinuation<Outcome, Never>?)>((nil, nil))

        init(stream: LiveStream, append: ChunkAppend) {
            self.stream = stream
            self.append = append
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
        var pending: [Member] = []
        var leading = false
    }

    private let state = Mutex(State())
    /// Stores a batch of appends in one commit (with retries).
    private let commit: @Sendable ([ChunkAppend]) async throws -> [AppendResult]

    init(commit: @escaping @Sendable ([ChunkAppend]) async throws -> [AppendResult]) {
        self.commit = commit
    }

    /// Stores `append` of `stream` in the next commit.
    /// - Throws: What the commit threw (`StorageFailure` after the storage window), for every append in it.
    func store(_ append: ChunkAppend, of stream: LiveStream) async throws -> AppendResult {
        let member = Member(stream: stream, append: append)
        let leads = state.withLock { state in
            state.pending.append(member)
            defer { state.leading = true }
            return !state.leading
        }
        if !leads, case .done(let result) = await member.wait() { return try result.get() }
        let batch = state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
        // A cancel or finish decided here meanwhile wins, as storage's fence would.
        let included = batch.map(\.stream.isRunning)
        let running = zip(batch, included).filter(\.1).map(\.0)
        let commit = self.commit
        // An awaited task of its own, so a cancelled leader does not fail the other streams' appends.
        let results: Result<[AppendResult], any Error> = running.isEmpty
            ? .success([])
            : await Task { try await commit(running.map(\.append)) }.result
        let next = state.withLock { state -> Member? in
            if state.pending.isEmpty { state.leading = false }
            return state.pending.first
        }
        next?.resolve(.lead)
        var own: Result<AppendResult, any Error> = .failure(CancellationError())
        var position = 0
        for (other, isIncluded) in zip(batch, included) {
            let result: Result<AppendResult, any Error>
            if isIncluded {
                result = results.map { $0[position] }
                position += 1
            } else {
                result = .success(.finished)
            }
            if other === member { own = result } else { other.resolve(.done(result)) }
        }
        return try own.get()
    }
}
