/// The events of one stream for one reader: chunks in order from a start index, then the terminal
/// event, after which the sequence ends.
///
/// A backend provides a `fetch` function that returns the next page of events starting at an index,
/// waiting until there is at least one. The reader holds one page at a time, so its memory does not
/// grow with the stream, and the writer never waits for it. Cancelling the reading task ends the wait.
public struct StreamEvents: AsyncSequence, Sendable {
    public typealias Element = StreamEvent

    /// The index of the first event this sequence yields.
    public let startIndex: Int
    private let fetch: @Sendable (_ from: Int) async throws -> [StreamEvent]

    /// - Parameters:
    ///   - startIndex: The index of the first event to yield.
    ///   - fetch: Returns the events from the given index on (at least one, at most a page),
    ///     in order, waiting until one exists.
    public init(from startIndex: Int, fetch: @escaping @Sendable (_ from: Int) async throws -> [StreamEvent]) {
        self.startIndex = startIndex
        self.fetch = fetch
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(next: startIndex, fetch: fetch)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        private var nextIndex: Int
        private var page: ArraySlice<StreamEvent> = []
        private var done = false
        private let fetch: @Sendable (Int) async throws -> [StreamEvent]

        init(next: Int, fetch: @escaping @Sendable (Int) async throws -> [StreamEvent]) {
            self.nextIndex = next
            self.fetch = fetch
        }

        public mutating func next() async throws -> StreamEvent? {
            guard !done else { return nil }
            if page.isEmpty {
                page = try await fetch(nextIndex)[...]
                guard !page.isEmpty else { return nil }
            }
            return take()
        }

        /// The index of the next event.
        var upcomingIndex: Int { nextIndex }

        /// Whether the next event is already in hand (no waiting, no storage read).
        var hasBufferedEvent: Bool { !page.isEmpty }

        /// The next event, or `.timedOut` when none arrived within `timeout` (nothing is lost: the
        /// interrupted read is simply made again by the next call).
        mutating func next(waitingAtMost timeout: Duration) async throws -> TimedNext {
            guard !done else { return .end }
            if page.isEmpty {
                let index = nextIndex
                let fetch = self.fetch
                let fetched: [StreamEvent]? = try await withThrowingTaskGroup(of: [StreamEvent]?.self) { group in
                    group.addTask { try await fetch(index) }
                    group.addTask {
                        try await Task.sleep(for: timeout)
                        return nil
                    }
                    defer { group.cancelAll() }
                    return try await group.next()!
                }
                guard let fetched else { return .timedOut }
                page = fetched[...]
                guard !page.isEmpty else { return .end }
            }
            return take().map(TimedNext.event) ?? .end
        }

        private mutating func take() -> StreamEvent? {
            let event = page.removeFirst()
            guard event.index == nextIndex else {
                // A backend broke invariant 1; fail this reader rather than the process.
                done = true
                return .finished(index: nextIndex, .failure(StreamManagerError.dataLoss.flowError))
            }
            switch event {
            case .chunk: nextIndex += 1
            case .finished: done = true
            }
            return event
        }
    }

    enum TimedNext {
        case event(StreamEvent)
        case timedOut
        case end
    }
}
