import Synchronization

extension FlowHandler {
    /// A stream without a stream manager: the flow runs in the response's own task, so a client that
    /// disconnects cancels it (nobody could read the rest). Its write buffer bounds memory.
    func plainStream(input: JSONBytes, caller: CallerContext, client: String?, optedIn: Bool) throws -> FlowHTTPResponse {
        let run = try flow.prepare(input: input)
        let limits = self.limits
        let keepAlive = optedIn ? options.keepAliveInterval : nil
        let logger = self.logger
        let runner = options.runner
        let ticket = try runner?.admit(principal: caller.principal, client: client)
        return FlowHTTPResponse(status: .ok, headers: Self.sseHeaders, body: .stream(StreamingBody { write in
            defer { if let runner, let ticket { runner.release(ticket) } }
            let buffer = ChunkBuffer(limits: limits)
            let source = PlainStreamSource(buffer: buffer)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let outcome = await FlowExecution.runBody(run, caller: caller, into: buffer, stop: { nil }, logger: logger)
                    source.finish(outcome)
                }
                try await SSEWriter.write(source.events, ids: optedIn, keepAlive: keepAlive, to: write)
                try await group.waitForAll()
            }
        }))
    }
}

/// The events of a plain stream, read from its write buffer. Batches taken from the buffer are kept
/// until a later read asks for what follows them, so a read interrupted by a keep-alive timeout
/// loses nothing.
final class PlainStreamSource: Sendable {
    private struct State {
        var taken: [StreamEvent] = []
        var outcome: StreamOutcome?
    }
    private let buffer: ChunkBuffer
    private let state = Mutex(State())

    init(buffer: ChunkBuffer) { self.buffer = buffer }

    /// The flow ended: record the outcome, then let the reader see the end of the buffer.
    func finish(_ outcome: StreamOutcome) {
        state.withLock { $0.outcome = outcome }
        buffer.close()
    }

    var events: StreamEvents {
        StreamEvents(from: 0) { from in try await self.events(from: from) }
    }

    private func events(from index: Int) async throws -> [StreamEvent] {
        let kept = state.withLock { state -> [StreamEvent] in
            state.taken.removeAll { $0.index < index }
            return state.taken
        }
        if !kept.isEmpty { return kept }
        switch await buffer.take() {
        case .chunks(let chunks):
            let events = chunks.enumerated().map { StreamEvent.chunk(index: index + $0.offset, $0.element) }
            state.withLock { $0.taken = events }
            return events
        case .closed:
            let outcome = state.withLock { $0.outcome } ?? .failure(.internalError)
            return [.finished(index: index, outcome)]
        case .interrupted:
            throw CancellationError()
        }
    }
}
