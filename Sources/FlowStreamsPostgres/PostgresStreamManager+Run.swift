import FlowStreams
import ServiceLifecycle

extension PostgresStreamManager {
    /// Applies the schema's migrations now (otherwise the first operation does). Safe when several
    /// instances start at once.
    /// - Throws: `PostgresStreamManagerError` `.migrationFailed`.
    public func migrate() async throws {
        do {
            try await engine.storage.migrate()
        } catch {
            throw PostgresStreamManagerError(code: .migrationFailed, reason: PostgresErrors.describe(error), underlying: error)
        }
    }

    /// Removes the finished streams (with their chunks) whose retention has passed; running streams
    /// are never removed. `run()` calls it every `Configuration.sweepInterval`.
    /// - Returns: How many streams were removed.
    /// - Throws: `StreamManagerError.storageUnavailable` when storage failed for the storage window.
    @discardableResult
    public func sweep() async throws -> Int {
        try await engine.sweep()
    }

    /// Renews the leases of the streams this instance writes, then ends every stream (of any
    /// instance) whose lease expired with `UNAVAILABLE "Stream writer lost."`. `run()` calls it
    /// every `Configuration.leaseRenewal`.
    /// - Returns: How many streams were found with an expired lease and ended by this call.
    @discardableResult
    public func renewAndExpireLeases() async throws -> Int {
        try await engine.renewAndExpireLeases()
    }

    /// Runs the client when the manager made it; migrates the schema, then until graceful shutdown:
    /// listens for notifications (one connection, re-established with backoff, every reader catching
    /// up after each), renews and expires leases every `leaseRenewal`, re-checks followed streams
    /// every `recheckInterval`, and sweeps retention every `sweepInterval`. Failures are logged and
    /// tried again at the next interval.
    ///
    /// Put the manager before the HTTP server in the `ServiceGroup`, so it shuts down after the server
    /// and keeps renewing leases while running flows use their grace period.
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.engine.run() }
    }
}
