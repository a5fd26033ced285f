import Synchronization

/// The in-process side of one stream this process writes: the writer's lifecycle (to decide
/// quickly), what is committed, the last commit's chunks (so a reader that caught up gets them from
/// memory, not from storage), and the cancel handler.
///
/// Storage is the truth: every decision taken here is also made by a fenced step in storage. The one
/// thing only memory knows is a terminal that could not be stored (`overriddenTerminal`): readers in
/// this process get it, so they never wait for a stream whose storage failed.
package final class LiveStream: Sendable {
    private struct State {
        var lifecycle = StreamLifecycle()
        var committed = 0
        var lastCommit: ChunkAppend?
        var overriddenOutcome: StreamOutcome?
    }

    package let id: StreamID
    /// The flow and owner the stream was opened with.
    package let scope: StreamScope
    private let state = Mutex(State())
    private let cancelHandler = CancelHandlerSlot()

    package init(id: StreamID, scope: StreamScope) {
        self.id = id
        self.scope = scope
    }

    // MARK: Writer

    /// Takes indices for `count` chunks.
    /// - Throws: `streamFinished` once the stream has finished here.
    package func reserve(_ count: Int) throws(StreamManagerError) -> Range<Int> {
        try state.withLock { state throws(StreamManagerError) in try state.lifecycle.append(count) }
    }

    /// A write failed: give back the indices it took (if the stream still runs).
    package func abandonReservation() {
        state.withLock { state in
            if state.lifecycle.isRunning { state.lifecycle = StreamLifecycle(chunkCount: state.committed) }
        }
    }

    package var isRunning: Bool { state.withLock { $0.lifecycle.isRunning } }

    /// `append` is committed: remember its chunks for readers that caught up.
    package func didCommit(_ append: ChunkAppend) {
        state.withLock { state in
            guard append.end > state.committed else { return }
            state.committed = append.end
            state.lastCommit = append
        }
    }

    /// Decides a finish by the writer. - Returns: Whether the writer's outcome is the terminal.
    package func decideFinish(_ outcome: StreamOutcome) -> Bool {
        state.withLock { state in
            if case .store = state.lifecycle.finish(outcome) { return true }
            return false
        }
    }

    /// Decides a cancel. - Returns: Whether the cancel is the terminal.
    package func decideCancel() -> Bool {
        state.withLock { state in
            if case .storeAndCancelRun = state.lifecycle.cancel() { return true }
            return false
        }
    }

    /// Another process stored the terminal (a cancel through another instance, an expired lease):
    /// the writer here may not append any more. - Returns: Whether the stream was still running here.
    package func finishedElsewhere() -> Bool {
        state.withLock { state in
            guard state.lifecycle.isRunning else { return false }
            _ = state.lifecycle.loseWriter()
            return true
        }
    }

    /// The terminal could not be stored: readers in this process get `outcome` after the committed chunks.
    package func overrideTerminal(_ outcome: StreamOutcome) {
        state.withLock { state in
            _ = state.lifecycle.loseWriter()
            state.overriddenOutcome = outcome
        }
    }

    /// The terminal only memory knows, at the committed chunk count.
    package var overriddenTerminal: (index: Int, outcome: StreamOutcome)? {
        state.withLock { state in state.overriddenOutcome.map { (state.committed, $0) } }
    }

    // MARK: Readers

    /// What a reader at `index` gets from memory.
    package enum Committed {
        /// The committed chunks from `index` to the last commit.
        case events([StreamEvent])
        /// The reader has every committed chunk of a stream still running here: wait for the next commit.
        case caughtUp
        /// Not in memory (older than the last commit, or the stream ended): read storage.
        case unknown
    }

    /// The committed chunks from `index` on, when the last commit covers `index`.
    package func committed(from index: Int) -> Committed {
        state.withLock { state in
            guard state.lifecycle.isRunning else { return .unknown }
            if index == state.committed { return .caughtUp }
            guard let last = state.lastCommit, index >= last.base, index < last.end else { return .unknown }
            return .events((index..<last.end).map { .chunk(index: $0, last.chunks[$0 - last.base]) })
        }
    }

    /// The stream as subscribers of this process see it while it runs here: its committed chunks.
    /// `nil` once it finished here (storage has the final word).
    package var runningRecord: StoredStream? {
        state.withLock { state in
            guard state.lifecycle.isRunning else { return nil }
            return StoredStream(flow: scope.flow, owner: scope.principal, chunkCount: state.committed, outcome: nil)
        }
    }

    // MARK: Cancel handler

    /// Runs the cancel handler (once).
    package func fireCancel() {
        cancelHandler.fire()
    }

    package func onCancel(_ handler: @escaping @Sendable () -> Void) {
        cancelHandler.register(handler)
    }
}
