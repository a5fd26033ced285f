/// How a ``DurableStreamManager`` runs over its storage: what the backend's public configuration
/// boils down to. Every backend fills in all of it.
package struct DurableConfiguration: Sendable {
    /// How many chunks a reader fetches at a time; a reader holds one page.
    package var pageSize: Int = 256
    /// How long finished streams stay readable, counted from when they finished.
    package var retention: Duration
    /// How often `run()` removes expired streams (and stores terminals a storage failure left in memory).
    package var sweepInterval: Duration
    /// How long failed storage steps are retried before the stream ends `UNAVAILABLE "Storage unavailable."`.
    package var storageWindow: Duration = .seconds(10)
    /// The first backoff between retries (it doubles up to 500 ms).
    package var initialRetryDelay: Duration = .milliseconds(5)
    /// How long one storage step may go unanswered before it counts as failed; `nil`: no limit.
    package var attemptTimeout: Duration?
    /// How often `run()` re-reads the streams readers here follow but this process does not write,
    /// in case a notification was missed; `nil` when every writer is in this process.
    package var recheckInterval: Duration?
    /// How often `run()` renews this process's leases and ends streams whose lease expired (a
    /// `LeasingStorage` only).
    package var leaseRenewal: Duration?
    /// Whether the appends of different streams share commits (one transaction for all the
    /// appends that arrive while one commit runs), or each stream commits on its own.
    package var commitsAcrossStreams: Bool = false
    /// Where metrics go.
    package var metrics: FlowMetrics = FlowMetrics()
    /// How `run()` waits between sweeps: the manager's clock, so tests can move it.
    package var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    package init(retention: Duration) {
        self.retention = retention
        sweepInterval = min(retention / 10, .seconds(60))
    }
}
