import Synchronization

extension InMemoryStreamManager {
    /// One stream: its chunks, lifecycle and waiting readers, behind one lock.
    final class Entry: Sendable {
        struct State {
            var lifecycle = StreamLifecycle()
            var chunks: [JSONBytes] = []
            var finishedAt: Duration?
            var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
            var nextWaiter = 0
            var cancelHandler: (@Sendable () -> Void)?
            var cancelled = false

            mutating func takeWaiters() -> [CheckedContinuation<Void, any Error>] {
                defer { waiters.removeAll() }
                return Array(waiters.values)
            }
        }

        let flow: String
        let owner: String?
        let state = Mutex(State())

        init(flow: String, owner: String?) {
            self.flow = flow
            self.owner = owner
        }

        func append(_ chunks: [JSONBytes]) throws {
            let waiters = try state.withLock { state in
                _ = try state.lifecycle.append(chunks.count)
                state.chunks.append(contentsOf: chunks)
                return state.takeWaiters()
            }
            for waiter in waiters { waiter.resume() }
        }

        func finish(_ outcome: StreamOutcome, at now: Duration) throws {
            let waiters = try state.withLock { state in
                guard case .store = state.lifecycle.finish(outcome) else { throw FlowError.streamFinished }
                state.finishedAt = now
                return state.takeWaiters()
            }
            for waiter in waiters { waiter.resume() }
        }

        func cancel(at now: Duration) -> CancelResult {
            typealias Taken = (waiters: [CheckedContinuation<Void, any Error>], handler: (@Sendable () -> Void)?)
            let taken = state.withLock { state -> Taken? in
                guard case .storeAndCancelRun = state.lifecycle.cancel() else { return nil }
                state.finishedAt = now
                state.cancelled = true
                defer { state.cancelHandler = nil }
                return (state.takeWaiters(), state.cancelHandler)
            }
            guard let taken else { return .alreadyFinished }
            for waiter in taken.waiters { waiter.resume() }
            taken.handler?()
            return .cancelled
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            let runNow = state.withLock { state in
                if state.cancelled { return true }
                state.cancelHandler = handler
                return false
            }
            if runNow { handler() }
        }

        /// The events from `index` on, at most a page; waits while there are none yet.
        func events(from index: Int, pageSize: Int) async throws -> [StreamEvent] {
            while true {
                if let page = state.withLock({ $0.page(from: index, pageSize: pageSize) }) { return page }
                try await waitForChange(after: index)
            }
        }

        private func waitForChange(after index: Int) async throws {
            let waiterID = state.withLock { state in
                defer { state.nextWaiter += 1 }
                return state.nextWaiter
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let registered = state.withLock { state in
                        guard !Task.isCancelled, state.page(from: index, pageSize: 1) == nil else { return false }
                        state.waiters[waiterID] = continuation
                        return true
                    }
                    if !registered {
                        if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
                    }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: waiterID) }?.resume(throwing: CancellationError())
            }
        }
    }
}

extension InMemoryStreamManager.Entry.State {
    /// The page of events from `index`, or `nil` when the reader must wait.
    func page(from index: Int, pageSize: Int) -> [StreamEvent]? {
        if index < chunks.count {
            let end = min(chunks.count, index + pageSize)
            return (index..<end).map { StreamEvent.chunk(index: $0, chunks[$0]) }
        }
        if let outcome = lifecycle.outcome { return [.finished(index: chunks.count, outcome)] }
        return nil
    }
}
