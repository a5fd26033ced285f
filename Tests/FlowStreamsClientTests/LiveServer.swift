import FlowStreams
import FlowStreamsClient
import FlowStreamsHummingbird
import Logging
import Synchronization
import TestSupport

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
