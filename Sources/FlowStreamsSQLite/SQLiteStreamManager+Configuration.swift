public import FlowStreams

extension SQLiteStreamManager {
    /// How an `SQLiteStreamManager` keeps its streams. Every default is written here.
    ///
    /// Durability: the database runs in WAL mode with `synchronous=NORMAL`. A committed chunk
    /// survives the process being killed (SIGKILL, a crash), not a power loss or an operating system
    /// crash, which may lose the last commits (never corrupt the file).
    public struct Configuration: Sendable {
        /// How long finished streams (succeeded, failed, cancelled, lost) stay readable, counted from
        /// when they finished. Reads do not extend it. Defaults to 24 hours.
        public var retention: Duration = .seconds(86_400)

        /// How many chunk rows a reader fetches at a time; a reader holds one page. Defaults to 256.
        public var pageSize: Int = 256

        /// How long storage errors (database busy or locked, disk full, I/O errors, the file removed,
        /// replaced or unreadable) are retried with exponential backoff before the operation fails
        /// and the stream ends `UNAVAILABLE "Storage unavailable."`, with an error logged. Measured in
        /// real time. Defaults to 10 seconds.
        public var storageWindow: Duration = .seconds(10)

        /// How long one statement waits for a lock held by another connection to the file (a backup,
        /// the `sqlite3` shell) before that counts as a storage error, retried within the storage
        /// window. Defaults to 1 second.
        public var busyTimeout: Duration = .seconds(1)

        /// How many connections read at once (GRDB's `maximumReaderCount`); more readers take turns,
        /// one page at a time. Defaults to 5.
        public var readerConnections: Int = 5

        /// Where metrics go: the manager increments `writersLost` for the streams it ends on start.
        /// Defaults to the bootstrapped `MetricsSystem`.
        public var metrics: FlowMetrics = FlowMetrics()

        public init() {}

        /// How often `run()` sweeps expired streams: retention / 10, at most one minute.
        public var sweepInterval: Duration { min(retention / 10, .seconds(60)) }
    }
}
