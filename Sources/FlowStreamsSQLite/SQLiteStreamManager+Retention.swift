import FlowStreams
import ServiceLifecycle

extension SQLiteStreamManager {
    /// Removes the finished streams (with their chunks) whose retention has passed, one transaction
    /// per stream; open streams are never removed. Also stores terminals that could not be stored
    /// when storage failed. `run()` calls it every `Configuration.sweepInterval`.
    /// - Returns: How many streams were removed.
    /// - Throws: `StreamManagerError.storageUnavailable` when storage failed for the storage window.
    @discardableResult
    public func sweep() async throws -> Int {
        try await engine.sweep()
    }

    /// Sweeps expired streams every `Configuration.sweepInterval` until graceful shutdown (or
    /// cancellation). A sweep that fails is logged and tried again at the next interval. The database
    /// stays open: it closes when the manager and its writers are released.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.engine.run() }
    }
}
