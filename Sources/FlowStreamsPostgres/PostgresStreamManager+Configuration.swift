public import FlowStreams

extension PostgresStreamManager {
    /// How a `PostgresStreamManager` keeps its streams. Every default is written here.
    ///
    /// Times of leases and retention are the database's (`now()`), so server instances with skewed
    /// clocks agree.
    public struct Configuration: Sendable {
        /// The schema holding the `flowstreams_streams` and `flowstreams_chunks` tables, created on
        /// start when missing. Letters, digits and `_` only. Defaults to `public`.
        public var schema: String = "public"

        /// The `LISTEN`/`NOTIFY` channel the instances sharing a schema tell each other about commits
        /// on. Letters, digits and `_` only. Defaults to `flowstreams_<schema>`.
        public var channel: String?

        /// How long a stream's writer may go without renewing its lease before any instance ends the
        /// stream with `UNAVAILABLE "Stream writer lost."`. Defaults to 15 seconds.
        public var leaseExpiry: Duration = .seconds(15)

        /// How often `run()` renews the leases of this instance's streams and sweeps expired ones.
        /// Must be shorter than `leaseExpiry`. Defaults to `leaseExpiry / 3`.
        public var leaseRenewal: Duration?

        /// How often `run()` re-reads the streams this instance's readers follow, in case a
        /// notification was missed: one query for all of them, not one per reader. Defaults to 2 seconds.
        public var recheckInterval: Duration = .seconds(2)

        /// How long finished streams (succeeded, failed, cancelled, lost) stay readable, counted from
        /// when they finished. Defaults to 24 hours.
        public var retention: Duration = .seconds(86_400)

        /// How many chunk rows a reader fetches at a time; a reader holds one page. Defaults to 256.
        public var pageSize: Int = 256

        /// How long failed database operations (connection lost, server restarting) are retried with
        /// exponential backoff before the operation fails and its stream ends `UNAVAILABLE "Storage
        /// unavailable."`, with an error logged. Defaults to 10 seconds.
        public var storageWindow: Duration = .seconds(10)

        /// How long one attempt of a statement may go unanswered before it counts as failed and is
        /// retried (within `storageWindow`): a statement lost with its connection is not waited for
        /// forever. Defaults to 5 seconds.
        public var statementTimeout: Duration = .seconds(5)

        /// Where metrics go: `writersLost` counts the streams this instance found with an expired lease.
        /// Defaults to the bootstrapped `MetricsSystem`.
        public var metrics: FlowMetrics = FlowMetrics()

        public init() {}

        /// The channel in use: `channel`, else `flowstreams_<schema>`.
        public var effectiveChannel: String { channel ?? "flowstreams_\(schema)" }

        /// The renewal in use: `leaseRenewal`, else `leaseExpiry / 3`.
        public var effectiveLeaseRenewal: Duration { leaseRenewal ?? leaseExpiry / 3 }

        /// How often `run()` sweeps expired streams: retention / 10, at most one minute.
        public var sweepInterval: Duration { min(retention / 10, .seconds(60)) }
    }
}
