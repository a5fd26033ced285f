import Synchronization

/// The readers of one stream waiting for it to change (a commit, a terminal), for stream managers
/// that wake readers in their own process.
///
/// Version based, so no wake-up is lost: a reader takes `version`, looks at the stream, and, when
/// there is nothing new, waits for a version after the one it took. A writer changes the stream
/// first and calls `signal()` after.
package final class StreamChanges: Sendable {
    private struct State {
        var version: UInt64 = 0
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    package init() {}

    /// Incremented by every `signal()`.
    package var version: UInt64 { state.withLock { $0.version } }

    /// The stream changed: wakes every waiting reader.
    package func signal() {
        let waiters = state.withLock { state in
            state.version &+= 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the version is past `version` (at once if it already is).
    /// - Throws: `CancellationError` when the waiting task is cancelled.
    package func wait(after version: UInt64) async throws {
        let waiterID = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let registered = state.withLock { state in
                    guard !Task.isCancelled, state.version == version else { return false }
                    state.waiters[waiterID] = continuation
                    return true
                }
                guard !registered else { return }
                if Task.isCancelled { continuation.resume(throwing: CancellationError()) } else { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: waiterID) }?.resume(throwing: CancellationError())
        }
    }
}

/// The handler a stream's writer registers with `StreamWriter.onCancel`: it runs at most once, and
/// at once when the cancel came first.
package final class CancelHandlerSlot: Sendable {
    private struct State {
        var handler: (@Sendable () -> Void)?
        var fired = false
    }

    private let state = Mutex(State())

    package init() {}

    /// Registers the handler; runs it now if the stream was already cancelled.
    package func register(_ handler: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.fired { return true }
            state.handler = handler
            return false
        }
        if runNow { handler() }
    }

    /// The stream was cancelled: runs the registered handler, once.
    package func fire() {
        let handler = state.withLock { state in
            state.fired = true
            defer { state.handler = nil }
            return state.handler
        }
        handler?()
    }
}
