import Synchronization
import Vapor

/// The streaming response bodies an application is writing, so a shutdown can end the ones still
/// open after the drain (Vapor runs each in an unstructured task that nothing else can cancel).
final class ResponseStreams: Sendable {
    private struct State {
        var tasks: [Int: Task<Void, any Error>] = [:]
        var next = 0
        var closed = false
    }
    private let state = Mutex(State())

    /// Runs `body` in a task that ``cancelAll()`` can cancel; cancelled at once after it.
    func run(_ body: @escaping @Sendable () async throws -> Void) async throws {
        let task = Task { try await body() }
        let key = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            defer { state.next += 1 }
            state.tasks[state.next] = task
            return state.next
        }
        if key == nil { task.cancel() }
        defer { if let key { _ = state.withLock { $0.tasks.removeValue(forKey: key) } } }
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// Cancels every body being written, and every body started from now on.
    func cancelAll() {
        let tasks = state.withLock { state in
            state.closed = true
            return Array(state.tasks.values)
        }
        for task in tasks { task.cancel() }
    }
}

extension Application {
    private struct ResponseStreamsKey: StorageKey, LockKey {
        typealias Value = ResponseStreams
    }

    /// The streaming flow responses of this application.
    var flowResponseStreams: ResponseStreams {
        locks.lock(for: ResponseStreamsKey.self).withLock {
            if let streams = storage[ResponseStreamsKey.self] { return streams }
            let streams = ResponseStreams()
            storage[ResponseStreamsKey.self] = streams
            return streams
        }
    }
}
