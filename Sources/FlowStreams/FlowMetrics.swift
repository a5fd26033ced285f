public import CoreMetrics

/// FlowStreams' metrics (swift-metrics). Every label lives in this file.
///
/// | label | kind | what |
/// |---|---|---|
/// | `flowstreams_running_flows` | meter | streaming runs in progress (durable and plain) |
/// | `flowstreams_open_readers` | meter | responses currently reading a stream |
/// | `flowstreams_chunks_written_total` | counter | chunks stored by durable runs |
/// | `flowstreams_commit_duration` | timer | time to store one batch of chunks |
/// | `flowstreams_resumes_total` | counter | resumes of a stream by id |
/// | `flowstreams_cancels_total` | counter | running streams cancelled |
/// | `flowstreams_writers_lost_total` | counter | streams ended `UNAVAILABLE "Stream writer lost."` |
/// | `flowstreams_unknown_stream_answers_total` | counter, dimension `status` = `204` or `404` | requests for a stream they may not see |
/// | `flowstreams_open_connections` | meter | HTTP connections open (ready-made servers) |
/// | `flowstreams_connections_over_limit_total` | counter, dimension `closed` = `new` or `idle` | connections closed at `maximumConnections`: the new one (every other busy), or the one idle the longest |
public struct FlowMetrics: Sendable {
    public enum Label {
        public static let runningFlows = "flowstreams_running_flows"
        public static let openReaders = "flowstreams_open_readers"
        public static let chunksWritten = "flowstreams_chunks_written_total"
        public static let commitDuration = "flowstreams_commit_duration"
        public static let resumes = "flowstreams_resumes_total"
        public static let cancels = "flowstreams_cancels_total"
        public static let writersLost = "flowstreams_writers_lost_total"
        public static let unknownStreamAnswers = "flowstreams_unknown_stream_answers_total"
        public static let openConnections = "flowstreams_open_connections"
        public static let connectionsOverLimit = "flowstreams_connections_over_limit_total"
    }

    let runningFlows: Meter
    let openReaders: Meter
    let chunksWritten: Counter
    let commitDuration: Timer
    let resumes: Counter
    let cancels: Counter
    /// Incremented by stream managers when they end a stream whose writer is gone.
    public let writersLost: Counter
    let noContentAnswers: Counter
    let notFoundAnswers: Counter
    /// Open HTTP connections, kept by the servers' connection limit.
    package let openConnections: Meter
    /// New connections closed at once at the connection limit.
    package let refusedConnections: Counter
    /// Idle connections closed at the connection limit to make room for a new one.
    package let evictedConnections: Counter

    /// - Parameter factory: Where the metrics go; defaults to the bootstrapped `MetricsSystem`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        runningFlows = Meter(label: Label.runningFlows, factory: factory)
        openReaders = Meter(label: Label.openReaders, factory: factory)
        chunksWritten = Counter(label: Label.chunksWritten, factory: factory)
        commitDuration = Timer(label: Label.commitDuration, factory: factory)
        resumes = Counter(label: Label.resumes, factory: factory)
        cancels = Counter(label: Label.cancels, factory: factory)
        writersLost = Counter(label: Label.writersLost, factory: factory)
        noContentAnswers = Counter(label: Label.unknownStreamAnswers, dimensions: [("status", "204")], factory: factory)
        notFoundAnswers = Counter(label: Label.unknownStreamAnswers, dimensions: [("status", "404")], factory: factory)
        openConnections = Meter(label: Label.openConnections, factory: factory)
        refusedConnections = Counter(label: Label.connectionsOverLimit, dimensions: [("closed", "new")], factory: factory)
        evictedConnections = Counter(label: Label.connectionsOverLimit, dimensions: [("closed", "idle")], factory: factory)
    }
}
