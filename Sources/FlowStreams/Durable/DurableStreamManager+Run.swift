import Logging

extension DurableStreamManager {
    /// The background work, until the task is cancelled: the storage's own (notifications), the
    /// retention sweep every `sweepInterval`, and, where configured, lease renewal and re-checks.
    /// A round that fails is logged and tried again at the next interval.
    package func run() async {
        let configuration = self.configuration
        let notifications = StorageNotifications(
            onChanged: { [hubs] id in hubs.signal(id) },
            onFinished: { [weak self] id in self?.finishedElsewhere(id) },
            onReconnected: { [weak self] in await self?.reconnected() })
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.storage.run(notifying: notifications) }
            group.addTask {
                await Self.every(configuration.sweepInterval, "retention sweep", self.logger, sleep: configuration.sleep) {
                    try await self.sweep()
                }
            }
            if let renewal = configuration.leaseRenewal, Storage.self is any LeasingStorage.Type {
                group.addTask {
                    await Self.every(renewal, "lease renewal", self.logger) { try await self.renewAndExpireLeases() }
                }
            }
            if let recheck = configuration.recheckInterval {
                group.addTask { await Self.every(recheck, "recheck", self.logger) { try await self.recheck() } }
            }
        }
    }

    /// Stores the terminals storage failures kept in memory, then removes the finished streams whose
    /// retention has passed.
    /// - Returns: How many streams were removed.
    /// - Throws: `storageUnavailable` when storage failed for the storage window.
    @discardableResult
    package func sweep() async throws -> Int {
        await storePendingTerminals()
        let retention = configuration.retention
        let removed = try await perform("sweep") { try await $0.removeExpired(retention: retention) }
        if removed > 0 { logger.debug("removed expired streams", metadata: ["flowstreams.streams": "\(removed)"]) }
        return removed
    }

    /// Renews the leases of the streams this process writes, then ends every stream (of any process)
    /// whose lease expired with `UNAVAILABLE "Stream writer lost."`.
    /// - Returns: How many streams this call found with an expired lease and ended.
    @discardableResult
    package func renewAndExpireLeases() async throws -> Int {
        guard let leasing = storage as? any LeasingStorage else { return 0 }
        await storePendingTerminals()
        let ids = live.all.filter(\.isRunning).map(\.id)
        let renewed = try await perform("renew leases") { _ in try await leasing.renewLeases(of: ids) }
        // Not renewed: finished elsewhere, or not stored yet (an `open` in flight).
        let missing = ids.filter { !renewed.contains($0) }
        if !missing.isEmpty {
            let marks = try await perform("renew leases") { try await $0.marks(of: missing) }
            for id in missing where marks[id]?.finished == true { finishedElsewhere(id) }
        }
        let lost = try await perform("expire leases") { _ in try await leasing.expireLeases() }
        if !lost.isEmpty {
            configuration.metrics.writersLost.increment(by: lost.count)
            logger.debug("ended streams whose writer was lost", metadata: ["flowstreams.streams": "\(lost.count)"])
        }
        for id in lost { finishedElsewhere(id) }
        return lost.count
    }

    /// Re-reads, in one read, the streams readers here follow that this process does not write, and
    /// wakes the readers of those that changed: the safety net under notifications.
    package func recheck() async throws {
        let ids = hubs.ids.filter { live.stream($0) == nil }
        guard !ids.isEmpty else { return }
        let marks = try await perform("recheck") { try await $0.marks(of: ids) }
        hubs.apply(marks, checked: ids)
    }

    /// Ends the streams this process writes for its readers here with `UNAVAILABLE "Stream writer
    /// lost."`, as readers in another process would see them after a crash (the storage is being closed).
    package func loseLiveStreams() {
        for stream in live.all where stream.isRunning {
            stream.overrideTerminal(.failure(.writerLost))
            hubs.signal(stream.id)
        }
    }

    private func reconnected() async {
        hubs.signalAll()
        _ = try? await renewAndExpireLeases()
    }

    private func storePendingTerminals() async {
        for stream in live.all where stream.overriddenTerminal != nil {
            await storePendingTerminal(of: stream)
        }
    }

    /// Runs `body` every `interval` until cancelled; a failure is logged and tried at the next interval.
    private static func every(
        _ interval: Duration, _ what: String, _ logger: Logger,
        sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) },
        _ body: @Sendable () async throws -> Void
    ) async {
        while !Task.isCancelled {
            do {
                try await sleep(interval)
                try await body()
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                logger.debug("\(what) failed", metadata: ["flowstreams.error": "\(error)"])
            }
        }
    }
}
