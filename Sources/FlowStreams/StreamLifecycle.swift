/// The lifecycle of one stream: running, then finished exactly once (success, failure, cancelled,
/// writer lost). A plain state machine shared by every backend; it decides, the backend acts.
public struct StreamLifecycle: Sendable, Hashable {
    public enum State: Sendable, Hashable {
        /// Accepting chunks; `chunkCount` are stored.
        case running(chunkCount: Int)
        /// Finished after `chunkCount` chunks with this outcome.
        case finished(chunkCount: Int, StreamOutcome)
    }

    public private(set) var state: State

    public init(chunkCount: Int = 0) { state = .running(chunkCount: chunkCount) }

    public init(state: State) { self.state = state }

    /// The number of chunks stored.
    public var chunkCount: Int {
        switch state {
        case .running(let count), .finished(let count, _): return count
        }
    }

    public var isRunning: Bool {
        if case .running = state { return true }
        return false
    }

    public var outcome: StreamOutcome? {
        if case .finished(_, let outcome) = state { return outcome }
        return nil
    }

    /// Accepts `count` chunks.
    /// - Returns: The indices they get.
    /// - Throws: `StreamManagerError.streamFinished` once the stream has finished.
    public mutating func append(_ count: Int) throws(StreamManagerError) -> Range<Int> {
        guard case .running(let stored) = state else { throw .streamFinished }
        state = .running(chunkCount: stored + count)
        return stored..<(stored + count)
    }

    /// What a backend does with a finish request.
    public enum FinishAction: Sendable, Hashable {
        /// Store the terminal event at this index and wake the readers.
        case store(index: Int, StreamOutcome)
        /// The stream already finished: fail with `FAILED_PRECONDITION`, change nothing.
        case reject
    }

    /// The writer finishes the stream.
    public mutating func finish(_ outcome: StreamOutcome) -> FinishAction {
        guard case .running(let count) = state else { return .reject }
        state = .finished(chunkCount: count, outcome)
        return .store(index: count, outcome)
    }

    /// What a backend does with a cancel request.
    public enum CancelAction: Sendable, Hashable {
        /// Store `CANCELLED` at this index, wake the readers, and cancel the flow's task.
        case storeAndCancelRun(index: Int)
        /// Already finished: answer `alreadyFinished`, change nothing.
        case none
    }

    /// A cancel arrives; the first terminal stored wins.
    public mutating func cancel() -> CancelAction {
        guard case .running(let count) = state else { return .none }
        state = .finished(chunkCount: count, .failure(.streamCancelled))
        return .storeAndCancelRun(index: count)
    }

    /// The stream's writer is known to be gone (dead process, expired lease, shutdown).
    public mutating func loseWriter(_ error: FlowError = .writerLost) -> FinishAction {
        finish(.failure(error))
    }

    /// Checks a reader's resume offset against what is stored (docs/PROTOCOL.md, "Offsets").
    /// - Parameter lastIndex: The last chunk index the reader has; `nil` or −1 for none.
    /// - Returns: The index of the first event to send.
    /// - Throws: `StreamManagerError.offsetOutOfRange` when `lastIndex` ≥ stored chunks of a running stream, or > the chunk count of a finished one.
    public func firstIndex(after lastIndex: Int?) throws(StreamManagerError) -> Int {
        guard let lastIndex, lastIndex >= 0 else {
            if let lastIndex, lastIndex < -1 { throw .offsetOutOfRange }
            return 0
        }
        switch state {
        case .running(let count) where lastIndex >= count: throw .offsetOutOfRange
        case .running:
            return lastIndex + 1
        case .finished(let count, _):
            // n = C (the terminal's index) resends only the terminal event.
            guard lastIndex <= count else { throw .offsetOutOfRange }
            return min(lastIndex + 1, count)
        }
    }
}
