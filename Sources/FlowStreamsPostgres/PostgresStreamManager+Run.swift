import FlowStreams
import Logging
import PostgresNIO
import ServiceLifecycle

extension PostgresStreamManager {
    /// Applies the schema's migrations now (otherwise the first operation does). Safe when several
    /// instances start at once.
    /// - Throws: `PostgresStreamManagerError` `.migrationFailed`.
    public func migrate() async throws {
        do {
            try await store.migrate()
        } catch {
            throw PostgresStreamManagerError(code: .migrationFailed, reason: StorageRetry.describe(error), underlying: error)
        }
    }

    /// Removes the finished streams (with their chunks) whose retention has passed; running streams
    /// are never removed. `run()` calls it every `Configuration.sweepInterval`.
    /// - Returns: How many streams were removed.
    /// - Throws: `UNAVAILABLE "Storage unavailable."` when storage failed for the storage window.
    @discardableResult
    public func sweep() async throws -> Int {
        let retention = Int(configuration.retention.wholeMilliseconds)
        var removed = 0
        while true {
            let batch = 500
            let now = try await store.perform("sweep") { queries in
                try await queries.deleteExpiredStreams(retentionMilliseconds: retention, limit: batch)
            }
            removed += now
            if now < batch { break }
        }
        if removed > 0 { store.logger.debug("removed expired streams", metadata: ["flowstreams.streams": "\(removed)"]) }
        return removed
    }

    /// Renews the leases of the streams this instance writes, then ends every stream (of any
    /// instance) whose lease expired with `UNAVAILABLE "Stream writer lost."`. `run()` calls it
    /// every `Configuration.leaseRenewal`.
    /// - Returns: How many streams were found with an expired lease and ended by this call.
    @discardableResult
    public func renewAndExpireLeases() async throws -> Int {
        let store = self.store
        await store.storePendingTerminals()
        let ids = store.live.all.filter(\.isRunning).map(\.id.rawValue)
        let lease = store.leaseMilliseconds
        let renewed = try await store.perform("renew leases") { try await $0.renewLeases(ids: ids, leaseMilliseconds: lease) }
        // Not renewed: finished by another instance, or not inserted yet (an `open` in flight).
        let missing = ids.filter { !renewed.contains($0) }
        if !missing.isEmpty {
            let marks = try await store.perform("renew leases") { try await $0.states(ids: missing) }
            for id in missing where marks[id]?.finished == true { store.finishedElsewhere(id) }
        }
        let lost = try await store.perform("expire leases") { try await $0.loseExpiredStreams() }
        if !lost.isEmpty {
            configuration.metrics.writersLost.increment(by: lost.count)
            store.logger.debug("ended streams whose writer was lost", metadata: ["flowstreams.streams": "\(lost.count)"])
        }
        for id in lost {
            store.hubs.signal(id)
            store.finishedElsewhere(id)
        }
        return lost.count
    }

    /// Re-reads the streams this instance's readers follow, in one query, and wakes the readers of
    /// those that changed: the safety net under notifications.
    func recheck() async throws {
        let ids = store.hubs.ids
        guard !ids.isEmpty else { return }
        let marks = try await store.perform("recheck") { try await $0.states(ids: ids) }
        store.hubs.apply(marks, checked: ids)
    }

    /// Moves the database's clock forward for retention, for tests.
    package func advanceTime(by duration: Duration) {
        store.advanceTime(by: duration)
    }

    /// Runs the client when the manager made it; migrates the schema, then until graceful shutdown: listens for notifications (one connection,
    /// re-established with backoff, every reader catching up after each), renews and expires leases
    /// every `leaseRenewal`, re-checks followed streams every `recheckInterval`, and sweeps retention
    /// every `sweepInterval`. Failures are logged and tried again at the next interval.
    ///
    /// Put the manager before the HTTP server in the `ServiceGroup`, so it shuts down after the server
    /// and keeps renewing leases while running flows use their grace period.
    public func run() async throws {
        let configuration = self.configuration
        let logger = store.logger
        let client = ownsClient ? store.queries.client : nil
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let client { group.addTask { await client.run() } }
                group.addTask { await self.listen() }
                group.addTask {
                    await Self.every(configuration.effectiveLeaseRenewal, "lease renewal", logger) { try await self.renewAndExpireLeases() }
                }
                group.addTask { await Self.every(configuration.recheckInterval, "recheck", logger) { try await self.recheck() } }
                group.addTask { await Self.every(configuration.sweepInterval, "retention sweep", logger) { try await self.sweep() } }
            }
        }
    }

    /// Runs `body` every `interval` until cancelled; a failure is logged and tried at the next interval.
    private static func every(
        _ interval: Duration, _ what: String, _ logger: Logger, _ body: @Sendable () async throws -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await body()
                try await Task.sleep(for: interval)
            } catch is CancellationError {
                return
            } catch {
                logger.debug("\(what) failed", metadata: ["flowstreams.error": "\(error)"])
                try? await Task.sleep(for: interval)
            }
        }
    }

    /// Holds one `LISTEN` connection for the channel and wakes local readers (and stops local flows
    /// that another instance ended); after every (re)connect everyone catches up from the table.
    private func listen() async {
        let store = self.store
        let channel = configuration.effectiveChannel
        var delay: Duration = .milliseconds(50)
        while !Task.isCancelled {
            do {
                try await store.migrate()
                try await store.queries.client.withConnection { connection in
                    try await connection.listen(on: channel) { notifications in
                        delay = .milliseconds(50)
                        store.hubs.signalAll()
                        for stream in store.live.all { store.hubs.signal(stream.id.rawValue) }
                        _ = try? await self.renewAndExpireLeases()
                        for try await notification in notifications {
                            Self.handle(notification.payload, store: store)
                        }
                    }
                }
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                store.logger.debug("notification connection lost, reconnecting", metadata: [
                    "flowstreams.postgres.error": "\(StorageRetry.describe(error))",
                ])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(2))
        }
    }

    /// `c:<id>`: chunks were committed. `t:<id>`: a terminal was stored.
    private static func handle(_ payload: String, store: PostgresStore) {
        guard payload.count > 2 else { return }
        let id = String(payload.dropFirst(2))
        store.hubs.signal(id)
        if payload.hasPrefix("t:") { store.finishedElsewhere(id) }
    }
}
