public import Logging
public import ServiceLifecycle
import Synchronization

/// Owns durable runs: each one runs detached from the request that started it, so a client that
/// disconnects never stops it; only a cancel (or the end of a shutdown grace period) does.
///
/// Add the runner to the app's `ServiceGroup` (`FlowServer` does this for you). On graceful
/// shutdown it stops accepting runs, lets running flows finish for `gracePeriod`, then ends the rest
/// with `UNAVAILABLE "Server shutting down."` so their readers are not left waiting.
public final class FlowRunner: Service {
    public struct Configuration: Sendable {
        /// How long running flows may go on once shutdown has begun. Defaults to 30 seconds.
        public var gracePeriod: Duration = .seconds(30)
        /// How many chunks a flow may have waiting for storage before `sendChunk` suspends. Defaults to 256.
        public var writeBufferChunks: Int = 256
        /// How many bytes of chunks a flow may have waiting for storage before `sendChunk` suspends. Defaults to 1 MiB.
        public var writeBufferBytes: Int = 1 << 20
        /// The largest chunk a flow may send, encoded; a larger one ends the stream with
        /// `RESOURCE_EXHAUSTED "Chunk exceeds limit."`. Defaults to 1 MiB.
        public var maximumChunkBytes: Int = 1 << 20
        /// The most chunks one run may send; the next one ends the stream with
        /// `RESOURCE_EXHAUSTED "Stream exceeds limit."` (the chunks before it stay readable). Defaults to 1,000,000.
        public var maximumStreamChunks: Int = 1_000_000
        /// The most chunk bytes (encoded) one run may send in all; a chunk that would go over ends the
        /// stream with `RESOURCE_EXHAUSTED "Stream exceeds limit."`. Defaults to 1 GiB.
        public var maximumStreamBytes: Int = 1 << 30
        /// Streaming runs allowed at once in this process; more get `429 RESOURCE_EXHAUSTED "Too many
        /// running streams."`. Defaults to 10,000.
        public var maximumRunningStreams: Int = 10_000
        /// Streaming runs one principal may have at once. Defaults to 100.
        public var maximumRunningStreamsPerPrincipal: Int = 100
        /// Streaming runs one client without a principal may have at once, the client named by its
        /// remote address (or by the header a trusted proxy sets, `clientAddressHeader`). Callers
        /// behind one proxy or NAT share it. Defaults to 100.
        public var maximumRunningStreamsPerClient: Int = 100
        /// Where metrics go. Defaults to the bootstrapped `MetricsSystem`.
        public var metrics: FlowMetrics = FlowMetrics()

        public init() {}

        var bufferLimits: ChunkBuffer.Limits {
            .init(chunks: writeBufferChunks, bytes: writeBufferBytes, chunkBytes: maximumChunkBytes,
                  streamChunks: maximumStreamChunks, streamBytes: maximumStreamBytes)
        }
    }

    struct Job: Sendable {
        let run: ErasedFlow.Run
        let caller: CallerContext
        let writer: any StreamWriter
        let id: StreamID
        let ticket: Ticket
    }

    /// A place among the running streams, taken by `admit` and given back by `release`.
    struct Ticket: Sendable {
        /// Whose place it is: the principal, else the client; `nil` for neither.
        let owner: Owner?
    }

    /// Who a limit below the global one counts against.
    enum Owner: Hashable, Sendable {
        case principal(String)
        case client(String)
    }

    private struct State {
        var accepting = true
        var running: [Int: StopSignal] = [:]
        var nextRun = 0
        var idleWaiter: CheckedContinuation<Void, Never>?
        var admitted = 0
        var admittedByOwner: [Owner: Int] = [:]
    }

    public let configuration: Configuration
    let logger: Logger
    private let jobs: AsyncStream<Job>
    private let submit: AsyncStream<Job>.Continuation
    private let state = Mutex(State())

    /// - Parameters:
    ///   - configuration: Grace period and write-buffer limits.
    ///   - logger: Where runs log (flow failures at error, everything else at debug).
    public init(configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        (jobs, submit) = AsyncStream.makeStream(of: Job.self)
    }

    /// The number of durable runs in progress.
    public var runningCount: Int { state.withLock { $0.running.count } }

    /// Runs submitted flows until graceful shutdown, then applies the grace period.
    public func run() async {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for await job in jobs {
                    group.addTask { await self.execute(job) }
                }
                group.addTask { await self.enforceGracePeriod() }
            }
            // Shutdown may have begun before this service was told (FlowServer starts it early):
            // stay until it is, so the service group does not see this service end unexpectedly.
            try? await gracefulShutdown()
        } onGracefulShutdown: {
            self.beginShutdown()
        }
    }

    /// Stops accepting new runs and starts the grace period. Called on graceful shutdown; `FlowServer`
    /// calls it as soon as a shutdown signal arrives, before the HTTP server drains.
    public func beginShutdown() {
        state.withLock { $0.accepting = false }
        submit.finish()
    }

    /// Starts a detached run of a flow whose stream is already open.
    /// - Throws: `UNAVAILABLE "Server shutting down."` once shutdown has begun.
    func start(_ job: Job) throws(FlowError) {
        guard state.withLock({ $0.accepting }) else { throw FlowError.shuttingDown }
        guard case .enqueued = submit.yield(job) else { throw FlowError.shuttingDown }
    }

    /// Takes a place for a streaming run of `principal`, or of `client` when there is no principal.
    /// - Parameters:
    ///   - principal: Who is calling, as the context provider named them.
    ///   - client: The caller's address, counted only without a principal.
    /// - Throws: `RESOURCE_EXHAUSTED "Too many running streams."` over a limit; `UNAVAILABLE "Server
    ///   shutting down."` once shutdown has begun.
    func admit(principal: String?, client: String? = nil) throws(FlowError) -> Ticket {
        let owner: Owner? = principal.map(Owner.principal) ?? client.map(Owner.client)
        let result: Result<Ticket, FlowError> = state.withLock { state in
            guard state.accepting else { return .failure(.shuttingDown) }
            guard state.admitted < configuration.maximumRunningStreams else { return .failure(.tooManyStreams) }
            if let owner {
                let count = state.admittedByOwner[owner, default: 0]
                guard count < limit(of: owner) else { return .failure(.tooManyStreams) }
                state.admittedByOwner[owner] = count + 1
            }
            state.admitted += 1
            return .success(Ticket(owner: owner))
        }
        let ticket = try result.get()
        configuration.metrics.runningFlows.increment()
        return ticket
    }

    /// Gives back a place taken by `admit`.
    func release(_ ticket: Ticket) {
        state.withLock { state in
            state.admitted -= 1
            if let owner = ticket.owner {
                let count = state.admittedByOwner[owner, default: 1] - 1
                state.admittedByOwner[owner] = count == 0 ? nil : count
            }
        }
        configuration.metrics.runningFlows.decrement()
    }

    private func limit(of owner: Owner) -> Int {
        switch owner {
        case .principal: return configuration.maximumRunningStreamsPerPrincipal
        case .client: return configuration.maximumRunningStreamsPerClient
        }
    }

    // MARK: Running one job

    private func execute(_ job: Job) async {
        let signal = StopSignal()
        let runID = state.withLock { state in
            defer { state.nextRun += 1 }
            state.running[state.nextRun] = signal
            return state.nextRun
        }
        defer {
            release(job.ticket)
            finishedRun(runID)
        }
        job.writer.onCancel { signal.fire(.cancelled) }
        logger.debug("durable run started", metadata: ["flowstreams.stream.id": "\(job.id)"])

        let outcome: StreamOutcome? = await withTaskGroup(of: StreamOutcome?.self) { group in
            group.addTask {
                await FlowExecution.run(job.run, caller: job.caller, limits: self.configuration.bufferLimits,
                                        stop: { signal.reason }, logger: self.logger) { batch in
                    let start = ContinuousClock.now
                    try await job.writer.write(batch)
                    let metrics = self.configuration.metrics
                    metrics.commitDuration.recordNanoseconds(Int64((ContinuousClock.now - start) / .nanoseconds(1)))
                    metrics.chunksWritten.increment(by: Int64(batch.count))
                }
            }
            group.addTask {
                _ = await signal.wait()
                return nil
            }
            let first = await group.next()!
            if signal.reason == .shutdown {
                // The grace period is over: the readers get the shutdown error now, whatever the flow does.
                try? await job.writer.finish(.failure(.shuttingDown))
            }
            group.cancelAll()
            return first
        }
        guard let outcome, signal.reason == nil else { return }
        do {
            try await job.writer.finish(outcome)
        } catch {
            // A cancel or lost lease stored another terminal first; the first one stored wins.
            logger.debug("run finished after its stream ended", metadata: ["flowstreams.error": "\(error)"])
        }
    }

    private func finishedRun(_ runID: Int) {
        let idle = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.running[runID] = nil
            guard state.running.isEmpty else { return nil }
            defer { state.idleWaiter = nil }
            return state.idleWaiter
        }
        idle?.resume()
    }

    // MARK: Shutdown

    private func enforceGracePeriod() async {
        let gracePeriod = configuration.gracePeriod
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: gracePeriod) }
            group.addTask { await self.waitUntilIdle() }
            await group.next()
            group.cancelAll()
        }
        let remaining = state.withLock { Array($0.running.values) }
        if !remaining.isEmpty {
            logger.debug("grace period over, ending runs", metadata: ["flowstreams.runs": "\(remaining.count)"])
        }
        for signal in remaining { signal.fire(.shutdown) }
    }

    private func waitUntilIdle() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let idle = state.withLock { state in
                    if state.running.isEmpty || Task.isCancelled { return true }
                    state.idleWaiter = continuation
                    return false
                }
                if idle { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in defer { state.idleWaiter = nil }; return state.idleWaiter }?.resume()
        }
    }
}
