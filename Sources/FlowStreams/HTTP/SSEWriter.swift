/// Writes a stream's events as SSE frames: chunks, then the terminal frame, with keep-alive comments
/// during silences when asked. Frames already in hand are coalesced into one write.
enum SSEWriter {
    /// Frames in hand are written together up to this many bytes.
    static let coalesceLimit = 64 * 1024

    /// - Parameters:
    ///   - events: The events to write; writing ends after the terminal event.
    ///   - ids: Whether frames carry `id:` lines (part 2).
    ///   - keepAlive: Silence after which `: keep-alive` is written; `nil` for none.
    ///   - first: Bytes to write before the first frame (e.g. `retry:`).
    ///   - write: Sends bytes to the client.
    static func write(
        _ events: StreamEvents,
        ids: Bool,
        keepAlive: Duration?,
        first: [UInt8] = [],
        to write: ([UInt8]) async throws -> Void
    ) async throws {
        var iterator = events.makeAsyncIterator()
        var pending = first
        while true {
            let event: StreamEvent
            do {
                if !pending.isEmpty && (!iterator.hasBufferedEvent || pending.count >= coalesceLimit) {
                    try await write(pending)
                    pending.removeAll(keepingCapacity: true)
                }
                if let keepAlive {
                    switch try await iterator.next(waitingAtMost: keepAlive) {
                    case .event(let next): event = next
                    case .timedOut:
                        try await write(SSEEncoder.keepAlive)
                        continue
                    case .end: return
                    }
                } else {
                    guard let next = try await iterator.next() else { return }
                    event = next
                }
            } catch let error as StreamManagerError {
                // Storage failed while reading: the reader gets the error instead of a hang.
                let index = ids ? iterator.upcomingIndex : nil
                try await write(pending + SSEEncoder.terminalFrame(.failure(error.flowError), index: index))
                return
            }
            switch event {
            case .chunk(let index, let chunk):
                pending.append(contentsOf: SSEEncoder.chunkFrame(chunk, index: ids ? index : nil))
            case .finished(let index, let outcome):
                pending.append(contentsOf: SSEEncoder.terminalFrame(outcome, index: ids ? index : nil))
                try await write(pending)
                return
            }
        }
    }
}
