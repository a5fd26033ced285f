/// A named, typed, streaming function served over HTTP.
///
/// The body receives the decoded input and a `FlowContext` to send chunks with; what it returns is
/// the flow's output. Errors meant for the caller are `FlowError`s; anything else is
/// `INTERNAL "Internal Error"` on the wire.
///
/// ```swift
/// let streamy = Flow("streamy") { (count: Int, context: FlowContext<Tick>) in
///     for i in 0..<count {
///         try await Task.sleep(for: .seconds(1))
///         try await context.sendChunk(Tick(count: i))
///     }
///     return "done: \(count), streamed: \(count) times"
/// }
/// ```
public struct Flow<Input: Codable & Sendable, Output: Codable & Sendable, Chunk: Codable & Sendable>: Sendable {
    /// The flow's name; `FlowServer` mounts it at `/<name>` unless given a path.
    public let name: String
    /// The flow's code.
    public let body: @Sendable (Input, FlowContext<Chunk>) async throws -> Output

    /// - Parameters:
    ///   - name: The flow's name.
    ///   - body: The flow's code: input and context in, output out.
    public init(_ name: String, body: @escaping @Sendable (Input, FlowContext<Chunk>) async throws -> Output) {
        self.name = name
        self.body = body
    }

    /// Runs the flow in this task, without HTTP (for tests and for calling one flow from another).
    /// - Parameters:
    ///   - input: The input.
    ///   - caller: What a context provider would have returned.
    ///   - onChunk: Receives each chunk, in order.
    public func callAsFunction(
        _ input: Input,
        caller: CallerContext = .init(),
        onChunk: @escaping @Sendable (Chunk) async throws -> Void = { _ in }
    ) async throws -> Output {
        try await body(input, FlowContext(caller: caller) { bytes in try await onChunk(try bytes.decode(Chunk.self)) })
    }
}

/// What a running flow sees: the caller's context and a way to send chunks.
public struct FlowContext<Chunk: Encodable & Sendable>: Sendable {
    /// What the route's context provider returned for this request (its context and principal).
    public let caller: CallerContext
    private let send: @Sendable (JSONBytes) async throws -> Void

    /// Creates a context whose chunks go to `send` as encoded JSON. Used by the runner and by tests.
    public init(caller: CallerContext, send: @escaping @Sendable (JSONBytes) async throws -> Void) {
        self.caller = caller
        self.send = send
    }

    /// Sends a chunk to every reader of this run.
    ///
    /// The chunk is encoded once, here. The call returns when the chunk has been accepted, in
    /// order, into the stream's bounded write buffer, and suspends while that buffer is full, so a
    /// flow faster than its storage is slowed down instead of buffering without bound.
    /// - Throws: `CancellationError` or `CANCELLED` when the run was cancelled; `RESOURCE_EXHAUSTED
    ///   "Chunk exceeds limit."` for a chunk over the limit; the storage error when storage failed.
    public func sendChunk(_ chunk: Chunk) async throws {
        try await send(try JSONBytes(encoding: chunk))
    }
}
