/// Stores durable streams and serves them to readers. One manager serves every flow: it works
/// with JSON bytes, not typed values.
///
/// Every backend keeps the invariants of docs/ARCHITECTURE.md (order and completeness, stored
/// before seen, liveness, retention, cancellation, ownership, storage trouble); `FlowStreamsTesting`
/// has the suite that checks them. Background work (retention sweeps, leases) runs in the manager's
/// `run()` when it is also a `Service`. Operations fail with ``StreamManagerError``: the request
/// handler decides by its code, and only the HTTP edge turns it into the ``FlowError`` a caller sees.
public protocol StreamManager: Sendable {
    /// Creates a running stream and returns its only writer.
    /// - Parameters:
    ///   - id: The new stream's id.
    ///   - scope: The flow it belongs to and its owner (the principal that starts it, if any).
    /// - Returns: The writer that appends chunks and finishes the stream.
    /// - Throws: ``StreamManagerError`` `.alreadyExists` when a stream with this id exists;
    ///   `.storageUnavailable`.
    func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter

    /// Reads a stream: the chunks after `index` (all of them when `nil`), the live ones as they are
    /// committed, then the terminal event.
    /// - Parameters:
    ///   - id: The stream to read.
    ///   - index: The index of the last chunk the reader already has (−1 or `nil` for none).
    ///   - scope: The flow and principal of the request; a stream of another flow, or owned by
    ///     another principal, is not found.
    /// - Throws: ``StreamManagerError`` `.notFound` for a stream this scope may not see;
    ///   `.offsetOutOfRange` when `index` is at or beyond the stored chunks of a running stream, or
    ///   beyond the chunk count of a finished one; `.storageUnavailable`. Reading the events throws
    ///   `.notFound` (removed by retention meanwhile) and `.storageUnavailable`.
    func subscribe(_ id: StreamID, after index: Int?, in scope: StreamScope) async throws -> StreamEvents

    /// Ends a running stream with `CANCELLED "Stream cancelled."` and tells its writer's owner to
    /// cancel the flow. The first terminal stored wins.
    /// - Returns: `.cancelled` when a running stream was cancelled, `.alreadyFinished` otherwise.
    /// - Throws: ``StreamManagerError`` `.notFound` for a stream this scope may not see; `.storageUnavailable`.
    func cancel(_ id: StreamID, in scope: StreamScope) async throws -> CancelResult
}

/// The only writer of one stream. Chunks get the next indices in the order they are written.
public protocol StreamWriter: Sendable {
    /// Appends chunks (a batch is committed together) and returns once they are stored.
    /// - Throws: ``StreamManagerError`` `.streamFinished` when the stream has finished (cancelled,
    ///   lost); the write changes nothing. `.storageUnavailable` when storage failed for too long.
    func write(_ chunks: [JSONBytes]) async throws

    /// Stores the terminal event, after every chunk written before it.
    /// - Throws: ``StreamManagerError`` `.streamFinished` when the stream has already finished;
    ///   nothing changes. `.storageUnavailable`.
    func finish(_ outcome: StreamOutcome) async throws

    /// Registers what to do when the stream is cancelled (from this process or another). The
    /// handler runs at most once; at once if the stream was already cancelled.
    func onCancel(_ handler: @escaping @Sendable () -> Void)
}

/// Which flow a stream belongs to, and who is asking (or who owns it, on `open`).
public struct StreamScope: Hashable, Sendable {
    /// The flow's name (or path): a stream of another flow is not found.
    public var flow: String
    /// The principal the context provider named, if any.
    public var principal: String?

    public init(flow: String, principal: String? = nil) {
        self.flow = flow
        self.principal = principal
    }

    /// Whether a request with this scope may see a stream opened with `owner`.
    public func canSee(flow streamFlow: String, owner: String?) -> Bool {
        streamFlow == flow && (owner == nil || owner == principal)
    }
}

/// One event of a stream, as a reader sees it.
public enum StreamEvent: Sendable, Hashable {
    /// The chunk with this index (0, 1, 2, …).
    case chunk(index: Int, JSONBytes)
    /// The terminal event; its index is the stream's chunk count.
    case finished(index: Int, StreamOutcome)

    /// The event's index.
    public var index: Int {
        switch self {
        case .chunk(let index, _), .finished(let index, _): return index
        }
    }
}
