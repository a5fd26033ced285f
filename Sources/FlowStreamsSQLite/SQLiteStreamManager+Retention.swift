import FlowStreams
import GRDB
import Logging
import ServiceLifecycle

extension SQLiteStreamManager {
    /// How many expired streams one sweep round looks up.
    static let sweepBatch = 64

    /// Removes the finished streams (with their chunks) whose retention has passed, one transaction
    /// per stream; open streams are never removed. Also stores terminals that could not be stored
    /// when storage failed. `run()` calls it every `Configuration.sweepInterval`.
    /// - Returns: How many streams were removed.
    /// - Throws: `UNAVAILABLE "Storage unavailable."` when storage failed for the storage window.
    @discardableResult
    public func sweep() async throws -> Int {
        let store = self.store
        for stream in store.live.all where stream.overriddenTerminal != nil {
            _ = try? await store.storePendingTerminal(of: stream)
        }
        let cutoff = store.clock.nowMilliseconds() - configuration.retention.wholeMilliseconds
        var removed = 0
        while true {
            let expired = try await store.mappingStorageFailure {
                try await store.read("sweep") { db in
                    try Queries.expiredStreams(db, finishedAtOrBefore: cutoff, limit: Self.sweepBatch)
                }
            }
            var removedNow = 0
            for id in expired {
                let deleted = try await store.mappingStorageFailure {
                    try await store.write("sweep") { db in try Queries.deleteExpiredStream(db, id: id, finishedAtOrBefore: cutoff) }
                }
                if deleted { removedNow += 1 }
            }
            removed += removedNow
            if expired.count < Self.sweepBatch || removedNow == 0 { break }
        }
        if removed > 0 {
            store.logger.debug("removed expired streams", metadata: ["flowstreams.streams": "\(removed)"])
        }
        return removed
    }

    /// Sweeps expired streams every `Configuration.sweepInterval` until graceful shutdown (or
    /// cancellation). A sweep that fails is logged and tried again at the next interval. The database
    /// stays open: it closes when the manager and its writers are released.
    public func run() async throws {
        let interval = configuration.sweepInterval
        let clock = store.clock
        let logger = store.logger
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await clock.sleep(interval)
                    try await self.sweep()
                } catch is CancellationError {
                    return
                } catch {
                    logger.debug("retention sweep failed", metadata: ["flowstreams.error": "\(error)"])
                }
            }
        }
    }
}
