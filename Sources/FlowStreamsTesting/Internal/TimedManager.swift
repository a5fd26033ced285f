import FlowStreams
import Synchronization

/// The manager under test with a time limit on every call, so a broken backend fails a check instead of hanging it.
struct TimedManager: Sendable {
    let base: any StreamManager

    /// Opens a stream (a new random id unless given) in `scope`.
    func open(
        _ id: StreamID = .random(), in scope: StreamScope = conformanceScope, fileID: String = #fileID, line: Int = #line
    ) async throws -> TimedWriter {
        let writer = try await withTimeout(stepLimit, "open", fileID: fileID, line: line) {
            try await base.open(id, in: scope)
        }
        return TimedWriter(id: id, base: writer)
    }

    func subscribe(
        _ id: StreamID, after index: Int? = nil, in scope: StreamScope = conformanceScope,
        fileID: String = #fileID, line: Int = #line
    ) async throws -> StreamEvents {
        try await withTimeout(stepLimit, "subscribe after \(index.map(String.init) ?? "nil")", fileID: fileID, line: line) {
            try await base.subscribe(id, after: index, in: scope)
        }
    }

    /// Subscribes and reads the whole stream, up to and including its terminal event.
    func read(
        _ id: StreamID, after index: Int? = nil, in scope: StreamScope = conformanceScope,
        fileID: String = #fileID, line: Int = #line
    ) async throws -> [StreamEvent] {
        let events = try await subscribe(id, after: index, in: scope, fileID: fileID, line: line)
        return try await collect(events, fileID: fileID, line: line)
    }

    func cancel(
        _ id: StreamID, in scope: StreamScope = conformanceScope, fileID: String = #fileID, line: Int = #line
    ) async throws -> CancelResult {
        try await withTimeout(stepLimit, "cancel", fileID: fileID, line: line) {
            try await base.cancel(id, in: scope)
        }
    }
}

/// Reads events until the sequence ends, with a time limit on each event; a failure says how far the reader got.
func collect(_ events: StreamEvents, fileID: String = #fileID, line: Int = #line) async throws -> [StreamEvent] {
    let collected = Mutex<[StreamEvent]>([])
    do {
        // The limit is for each event, not the whole stream: a reader that keeps up with a slow
        // writer is not stuck.
        let progress: @Sendable () -> Int = { collected.withLock { $0.count } }
        return try await withTimeout(stepLimit, "reading the stream", fileID: fileID, line: line, progress: progress) {
            for try await event in events {
                let count = collected.withLock { collected in
                    collected.append(event)
                    return collected.count
                }
                try expect(count <= 100_000, "the stream never ended", fileID: fileID, line: line)
            }
            return collected.withLock { $0 }
        }
    } catch let failure as ConformanceFailure {
        let progress = collected.withLock { collected in
            "\(collected.count) events read from index \(events.startIndex)" + (collected.last.map { ", the last \(render($0))" } ?? "")
        }
        throw ConformanceFailure("\(failure.message) (\(progress))", fileID: failure.file, line: failure.line)
    }
}

/// A stream's writer with a time limit on every call.
struct TimedWriter: Sendable {
    let id: StreamID
    let base: any StreamWriter

    /// Writes the conformance chunks with these indices as one batch.
    func write(_ indices: Range<Int>, fileID: String = #fileID, line: Int = #line) async throws {
        try await write(chunks(indices), fileID: fileID, line: line)
    }

    func write(_ chunks: [JSONBytes], fileID: String = #fileID, line: Int = #line) async throws {
        try await withTimeout(stepLimit, "write of \(chunks.count) chunks", fileID: fileID, line: line) {
            try await base.write(chunks)
        }
    }

    func finish(_ outcome: StreamOutcome, fileID: String = #fileID, line: Int = #line) async throws {
        try await withTimeout(stepLimit, "finish", fileID: fileID, line: line) {
            try await base.finish(outcome)
        }
    }

    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        base.onCancel(handler)
    }
}
