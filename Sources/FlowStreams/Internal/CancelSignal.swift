import Synchronization

/// Why a durable run is being stopped from outside.
enum StopReason: Sendable {
    /// The stream was cancelled (`DELETE` / `StreamManager.cancel`): CANCELLED is already stored.
    case cancelled
    /// The shutdown grace period ran out: store `UNAVAILABLE "Server shutting down."`.
    case shutdown
}

/// A one-shot signal: the first `fire` wins and wakes the waiter.
final class StopSignal: Sendable {
    private struct State {
        var reason: StopReason?
        var waiter: CheckedContinuation<StopReason?, Never>?
    }
    private let state = Mutex(State())

    var reason: StopReason? { state.withLock { $0.reason } }

    func fire(_ reason: StopReason) {
        let waiter = state.withLock { state -> CheckedContinuation<StopReason?, Never>? in
            guard state.reason == nil else { return nil }
            state.reason = reason
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: reason)
    }

    /// Waits for the signal; returns `nil` if the waiting task is cancelled first.
    func wait() async -> StopReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<StopReason?, Never>) in
                let ready = state.withLock { state -> StopReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if case .some(let reason) = ready { continuation.resume(returning: reason) }
            }
        } onCancel: {
            state.withLock { state in defer { state.waiter = nil }; return state.waiter }?.resume(returning: nil)
        }
    }
}
