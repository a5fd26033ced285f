extension FlowClient {
    /// How a ``FlowClient`` connects, waits and resumes.
    ///
    /// ```swift
    /// var configuration = FlowClient.Configuration()
    /// configuration.maxResumeAttempts = 20
    /// let client = FlowClient(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// Whether a stream whose connection drops before its terminal frame reconnects by itself (with the
        /// stream id and `Last-Event-ID`), so the caller still sees every chunk once. Defaults to `true`.
        /// When `false`, a drop throws ``FlowClientError/Code/connectionLost`` at once.
        public var autoResume: Bool = true
        /// How many resume attempts in a row may fail to bring a new chunk (or a keep-alive) before the stream
        /// gives up with ``FlowClientError/Code/connectionLost``. Defaults to 10.
        public var maxResumeAttempts: Int = 10
        /// The pause before the first resume attempt; it doubles after each attempt without progress.
        /// Defaults to 100 milliseconds.
        public var initialBackoff: Duration = .milliseconds(100)
        /// The longest pause between resume attempts. Defaults to 5 seconds.
        public var maxBackoff: Duration = .seconds(5)
        /// How long a streaming call waits for the response headers. The body may then stay silent for as
        /// long as the flow likes: no read timeout applies. Defaults to 30 seconds.
        public var headTimeout: Duration = .seconds(30)
        /// How long a non-streaming call (``FlowClient/runFlow(url:input:headers:output:)``) may wait for its
        /// answer; the server answers only when the flow has finished. `nil` (the default) waits as long as
        /// the flow runs.
        public var runTimeout: Duration?
        /// The connect timeout of the `HTTPClient` a ``FlowClient`` creates itself (unused for a client
        /// passed in). Defaults to 5 seconds.
        public var connectTimeout: Duration = .seconds(5)
        /// The largest non-streaming body (result or error) read. Defaults to 64 MiB.
        public var maxResponseBytes: Int = 64 << 20

        public init() {}

        /// The pause before resume attempt `attempt` (1 for the first).
        func backoff(attempt: Int) -> Duration {
            var delay = initialBackoff
            for _ in 1..<max(attempt, 1) {
                delay *= 2
                if delay >= maxBackoff { return maxBackoff }
            }
            return min(delay, maxBackoff)
        }
    }
}
