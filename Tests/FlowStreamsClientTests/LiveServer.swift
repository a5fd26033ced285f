import FlowStreams
import FlowStreamsClient
import FlowStreamsHummingbird
import Logging
import Synchronization
import TestSupport

/// Runs a `FlowServer` on an ephemeral loopback port for the duration of `body`, then shuts it down.
/// - Parameters:
///   - streamManager: The store (`nil` for plain streaming).
///   - configure: Adjusts the configuration (port and host are forced to 0 and 127.0.0.1).
///   - flows: Mounts the flows.
///   - body: The test, given the port.
func withFlowServer<T: Sendable>(
    streamManager: (any StreamManager)? = InMemoryStreamManager(),
    configure: (inout FlowServer.Configuration) -> Void = { _ in },
    flows: (inout FlowServer) -> Void,
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    var configuration = FlowServer.Configuration()
    configure(&configuration)
    configuration.port = 0
    configuration.host = "127.0.0.1"
    let logger = Logger(label: "test-server") { _ in SwiftLogNoOpLogHandler() }
    var server = FlowServer(configuration: configuration, streamManager: streamManager, logger: logger)
    flows(&server)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { [server] in
            try await server.run(shutdownSignals: []) { port in portContinuation.yield(port) }
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSupportError("server did not start") }
        let result: T
        do {
            result = try await body(port)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
        while let value = try await group.next() { _ = value }
        return result
    }
}

/// A `FlowClient` with short backoffs, shut down after `body`.
func withTestClient<T: Sendable>(
    configure: (inout FlowClient.Configuration) -> Void = { _ in },
    _ body: (FlowClient) async throws -> T
) async throws -> T {
    var configuration = FlowClient.Configuration()
    configuration.initialBackoff = .milliseconds(10)
    configuration.maxBackoff = .milliseconds(200)
    configuration.headTimeout = .seconds(10)
    configure(&configuration)
    return try await withFlowClient(configuration: configuration) { client in try await body(client) }
}

/// Holds flows (or raw servers) until the test opens it.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate is open (at once if it already is).
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }
}

/// Collects what a stream yields: every chunk, then the output or the error.
func drain<Chunk: Sendable, Output: Sendable>(
    _ stream: FlowStream<Chunk, Output>
) async -> (chunks: [Chunk], outcome: Result<Output, any Error>) {
    var chunks: [Chunk] = []
    do {
        for try await chunk in stream.chunks { chunks.append(chunk) }
        return (chunks, .success(try await stream.output))
    } catch {
        return (chunks, .failure(error))
    }
}

extension Result {
    /// The error, when this is a failure.
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
