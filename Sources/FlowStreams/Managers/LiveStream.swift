import Synchronization

/// The in-process side of one stream a durable manager (SQLite, PostgreSQL) writes: the writer's lifecycle (to decide quickly),
/// the committed chunk count, the readers waiting for a commit, and the cancel handler.
///
/// The database is the truth: every decision taken here is also made by a conditional statement
/// in the database. The one thing only memory knows is a terminal that could not be stored
/// (`overriddenOutcome`): readers in this process get it so they never wait for a stream whose storage failed.
package final class LiveStream: Sendable {
    private struct State {
        var lifecycle = StreamLifecycle()
        var committed = 0
        var overriddenOutcome: StreamOutcome?
    }

    package let id: StreamID
    private let state = Mutex(State())
    /// Readers waiting for a commit or a terminal.
    private let changes = StreamChanges()
    private let cancelHandler = CancelHandlerSlot()

    package init(id: StreamID) { self.id = id }

    // MARK: Writer

    /// Takes indices for `count` chunks.
    /// - Throws: `FAILED_PRECONDITION` once the stream has finished here.
    package func reserve(_ count: Int) throws(FlowError) -> Range<Int> {
        try state.withLock { state throws(FlowError) in try state.lifecycle.append(count) }
    }

    /// A write failed: give back the indices it took (if the stream still runs).
    package func abandonReservation() {
        state.withLock { state in
            if state.lifecycle.isRunning { state.lifecycle = StreamLifecycle(chunkCount: state.committed) }
        }
    }

    package var isRunning: Bool { state.withLock { $0.lifecycle.isRunning } }

    /// Chunks up to `count` are committed: wake the readers. Called on the database's writer queue
    /// right after the commit.
    package func didCommit(upTo count: Int) {
        state.withLock { state in state.committed = max(state.committed, count) }
        changes.signal()
    }

    /// Decides a finish by the writer.
    /// - Returns: Whether the writer's outcome is the terminal (else the stream had already finished).
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

    /// Another process stored the terminal (a cancel through another server instance, an expired
    /// lease): the writer here may not append any more.
    /// - Returns: Whether the stream was still running here.
    package func finishedElsewhere() -> Bool {
        state.withLock { state in
            guard state.lifecycle.isRunning else { return false }
            _ = state.lifecycle.loseWriter()
            return true
        }
    }

    /// The terminal is stored: wake the readers (they read it from the database).
    package func didStoreTerminal() {
        changes.signal()
    }

    /// The terminal could not be stored: readers in this process get `outcome` after the committed chunks.
    package func overrideTerminal(_ outcome: StreamOutcome) {
        state.withLock { state in
            _ = state.lifecycle.loseWriter()
            state.overriddenOutcome = outcome
        }
        changes.signal()
    }

    /// The terminal only memory knows, at the committed chunk count.
    package var overriddenTerminal: (index: Int, outcome: StreamOutcome)? {
        state.withLock { state in state.overriddenOutcome.map { (state.committed, $0) } }
    }

    // MARK: Cancel handler

    /// Runs the cancel handler (once).
    package func fireCancel() {
        cancelHandler.fire()
    }

    package func onCancel(_ handler: @escaping @Sendable () -> Void) {
        cancelHandler.register(handler)
    }

    // MARK: Readers

    package var version: UInt64 { changes.version }

    /// Returns once something changed after `version` (a commit, a terminal).
    /// - Throws: `CancellationError` when the reading task is cancelled.
    package func waitForChange(after version: UInt64) async throws {
        try await changes.wait(after: version)
    }
}
