@_spi(Server) public import FlowStreams
public import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
public import Vapor

/// Starts the `FlowRunner` and the stream manager (when it is a `Service`) with a Vapor application
/// and stops them with it, giving running flows the runner's grace period.
///
/// ```swift
/// let app = try await Application.make(.detect())
/// let runner = FlowRunner(logger: app.logger)
/// app.addFlow(streamy, options: .init(streamManager: manager, runner: runner))
/// app.lifecycle.use(FlowLifecycle(runner: runner, streamManager: manager, logger: app.logger))
/// try await app.execute()
/// try await app.asyncShutdown()
/// ```
///
/// On boot it sets the HTTP server's `shutdownTimeout` to the grace period plus 10 seconds. On
/// shutdown (`asyncShutdown`, after SIGTERM/SIGINT ended `execute`), while the server still runs, it
/// stops accepting runs and starts the grace period, then drains the HTTP server (readers get their
/// flows' last frames, or `UNAVAILABLE "Server shutting down."` once the grace period is over), ends
/// streaming responses still open after `shutdownTimeout`, and stops the runner and the manager.
/// Use the async application APIs (`Application.make`, `execute`, `asyncShutdown`).
public final class FlowLifecycle: LifecycleHandler {
    private struct Running: Sendable {
        let group: ServiceGroup
        let task: Task<Void, Never>
    }

    /// The runner of the application's durable flows.
    public let runner: FlowRunner
    private let services: [any Service]
    private let logger: Logger
    private let running = Mutex<Running?>(nil)

    /// - Parameters:
    ///   - runner: The runner of the flows (its `gracePeriod` applies at shutdown).
    ///   - streamManager: The stream manager, run as a service when it is one.
    ///   - logger: Where the services log.
    public init(runner: FlowRunner, streamManager: (any StreamManager)? = nil, logger: Logger) {
        self.runner = runner
        self.services = FlowServerRoutes.services(streamManager: streamManager, runner: runner)
        self.logger = logger
    }

    public func willBootAsync(_ application: Application) async throws {
        let timeout = runner.configuration.gracePeriod + .seconds(10)
        application.http.server.configuration.shutdownTimeout = .nanoseconds(Int64(timeout / .nanoseconds(1)))
    }

    public func didBootAsync(_ application: Application) async throws {
        let group = ServiceGroup(services: services, logger: logger)
        let logger = self.logger
        let task = Task {
            do {
                try await group.run()
            } catch {
                logger.error("flow services failed", metadata: ["flowstreams.error": "\(String(reflecting: error))"])
            }
        }
        running.withLock { $0 = Running(group: group, task: task) }
    }

    public func shutdownAsync(_ application: Application) async {
        runner.beginShutdown()
        await application.server.shutdown()
        application.flowResponseStreams.cancelAll()
        guard let running = running.withLock({ $0.take() }) else { return }
        await running.group.triggerGracefulShutdown()
        await running.task.value
    }

    /// Ends everything now instead of gracefully: open streaming responses and the services (the
    /// runner's flows see cancellation). `asyncShutdown` must still follow.
    func cancel(_ application: Application) {
        application.flowResponseStreams.cancelAll()
        running.withLock { $0 }?.task.cancel()
    }
}
