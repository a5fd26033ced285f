import Synchronization

extension InMemoryStreamManager {
    /// One stream: its chunks and lifecycle behind one lock, its waiting readers and cancel handler.
    final class Entry: Sendable {
        struct State {
            var lifecycle = StreamLifecycle()
            var chunks: [JSONBytes] = []
            var finishedAt: Duration?
        }

        let flow: String
        let owner: String?
        let state = Mutex(State())
        private let changes = StreamChanges()
        private let cancelHandler = CancelHandlerSlot()

        init(flow: String, owner: String?) {
            self.flow = flow
            self.owner = owner
        }

        func append(_ chunks: [JSONBytes]) throws {
            try state.withLock { state in
                _ = try state.lifecycle.append(chunks.count)
                state.chunks.append(contentsOf: chunks)
            }
            changes.signal()
        }

        func finish(_ outcome: StreamOutcome, at now: Duration) throws {
            try state.withLock { state in
                guard case .store = state.lifecycle.finish(outcome) else { throw FlowError.streamFinished }
                state.finishedAt = now
            }
            changes.signal()
        }

        func cancel(at now: Duration) -> CancelResult {
            let cancelled = state.withLock { state in
                guard case .storeAndCancelRun = state.lifecycle.cancel() else { return false }
                state.finishedAt = now
                return true
            }
            guard cancelled else { return .alreadyFinished }
            changes.signal()
            cancelHandler.fire()
            return .cancelled
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            cancelHandler.register(handler)
        }

        /// The events from `index` on, at most a page; waits while there are none yet.
        func events(from index: Int, pageSize: Int) async throws -> [StreamEvent] {
            while true {
                let seen = changes.version
                if let page = state.withLock({ $0.page(from: index, pageSize: pageSize) }) { return page }
                try await changes.wait(after: seen)
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
