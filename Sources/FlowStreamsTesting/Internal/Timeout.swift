import Synchronization

/// Runs `operation` in its own task and fails with a `ConformanceFailure` when it takes longer than `limit`
/// (or throws anything else: the failure then names `what` and the error). Given `progress` (a count
/// that grows while the operation gets somewhere), it fails only when `limit` passes without progress.
///
/// The operation is cancelled on timeout and then abandoned, so a backend that ignores cancellation
/// fails the check instead of hanging it. Cancelling the caller cancels the operation.
func withTimeout<T: Sendable>(
    _ limit: Duration,
    _ what: String,
    fileID: String = #fileID,
    line: Int = #line,
    progress: (@Sendable () -> Int)? = nil,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = Race<T>()
    let work = Task {
        do {
            race.settle(.success(try await operation()))
        } catch let failure as ConformanceFailure {
            race.settle(.failure(failure))
        } catch {
            race.settle(.failure(ConformanceFailure("\(what) threw \(error)", fileID: fileID, line: line)))
        }
    }
    let timer = Task {
        // With a progress count, the limit is for each step: the operation fails only when the
        // count has not moved for a whole `limit` (a slow machine makes a long read slow, not stuck).
        var seen = progress?()
        while true {
            try await Task.sleep(for: limit)
            let now = progress?()
            if now == nil || now == seen { break }
            seen = now
        }
        race.settle(.failure(ConformanceFailure("\(what): no answer within \(limit)", fileID: fileID, line: line)))
    }
    defer {
        timer.cancel()
        work.cancel()
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { race.wait($0) }
    } onCancel: {
        work.cancel()
    }
}

/// The first result of several tasks, handed to one waiting continuation.
private final class Race<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<T, any Error>)
        case settled(Result<T, any Error>)
        case done
    }

    private let state = Mutex(State.empty)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        let result = state.withLock { state -> Result<T, any Error>? in
            guard case .settled(let result) = state else {
                state = .waiting(continuation)
                return nil
            }
            state = .done
            return result
        }
        if let result { continuation.resume(with: result) }
    }

    func settle(_ result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .empty:
                state = .settled(result)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .settled, .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}
