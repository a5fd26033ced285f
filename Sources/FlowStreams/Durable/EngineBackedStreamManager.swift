/// A stream manager that serves its streams through FlowStreams' durable engine
/// (`InMemoryStreamManager`, `SQLiteStreamManager`, `PostgresStreamManager`, …): its `open`,
/// `subscribe` and `cancel` are written once, here, and go to the engine over the backend's
/// storage. A `StreamManager` of your own conforms to `StreamManager` directly.
public protocol EngineBackedStreamManager: StreamManager {
    /// The engine serving this manager's streams.
    @_spi(Engine) var durableEngine: any StreamManager { get }
}

extension EngineBackedStreamManager {
    public func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter {
        try await durableEngine.open(id, in: scope)
    }

    public func subscribe(_ id: StreamID, after index: Int?, in scope: StreamScope) async throws -> StreamEvents {
        try await durableEngine.subscribe(id, after: index, in: scope)
    }

    public func cancel(_ id: StreamID, in scope: StreamScope) async throws -> CancelResult {
        try await durableEngine.cancel(id, in: scope)
    }
}
