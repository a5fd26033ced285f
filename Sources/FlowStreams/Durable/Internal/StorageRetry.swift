import Logging
import Synchronization

/// Storage failed for the whole storage window, or in a way retrying cannot fix. Logged at error
/// where it is made; its description names the storage's error code only.
package struct StorageFailure: Error, CustomStringConvertible {
    package var cause: String
    package var description: String { "storage failure: \(cause)" }
}

/// Runs storage steps, retrying transient failures (busy, locked, a lost connection, a server
/// restarting) with exponential backoff for the storage window.
///
/// The window is measured on the system's continuous clock, not a manager's injected clock, so a
/// storage failure ends in real time even under a test clock that never moves.
struct StorageRetry: Sendable {
    var window: Duration
    var initialDelay: Duration
    var maximumDelay: Duration = .milliseconds(500)
    /// How long one attempt may go unanswered before it counts as failed (`nil`: as long as it takes).
    var attemptTimeout: Duration?
    var logger: Logger
    let isTransient: @Sendable (any Error) -> Bool
    let describe: @Sendable (any Error) -> String

    /// Runs `step` until it succeeds, throws an error that is not a storage error, or the window ends.
    /// - Parameter what: The operation's name, for the logs (`"write"`, `"finish"`, …).
    /// - Throws: `StreamManagerError` and `CancellationError` as thrown; `StorageFailure` (logged at
    ///   error) once storage failed for the whole window, or at once for an error retrying cannot fix.
    func run<T: Sendable>(_ what: String, _ step: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: window)
        var delay = initialDelay
        var attempts = 0
        while true {
            do {
                if let attemptTimeout { return try await Self.answer(within: attemptTimeout, step) }
                return try await step()
            } catch let error as StreamManagerError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                attempts += 1
                let cause = error is AttemptTimedOut ? "no answer within the attempt timeout" : describe(error)
                let metadata: Logger.Metadata = [
                    "flowstreams.operation": "\(what)", "flowstreams.storage.error": "\(cause)",
                    "flowstreams.attempts": "\(attempts)",
                ]
                guard error is AttemptTimedOut || isTransient(error), clock.now < deadline else {
                    logger.error("storage unavailable", metadata: metadata)
                    throw StorageFailure(cause: cause)
                }
                logger.debug("storage error, retrying", metadata: metadata)
                try await Task.sleep(for: min(delay, max(deadline - clock.now, .zero)))
                delay = min(delay * 2, maximumDelay)
            }
        }
    }
}

/// An attempt got no answer in time (a statement lost with its connection).
struct AttemptTimedOut: Error {}

extension StorageRetry {
    /// Runs `operation` and returns its answer, or throws `AttemptTimedOut` after `timeout` (and
    /// `CancellationError` at once when the caller is cancelled). An operation that does not answer
    /// is cancelled and left behind: a statement sent on a connection that died can wait forever in
    /// a client library, and fencing makes a late answer harmless.
    static func answer<T: Sendable>(
        within timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let slot = Mutex<CheckedContinuation<T, any Error>?>(nil)
        let resume: @Sendable (Result<T, any Error>) -> Void = { result in
            slot.withLock { continuation in
                defer { continuation = nil }
                return continuation
            }?.resume(with: result)
        }
        let work = Mutex<[Task<Void, Never>]>([])
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                slot.withLock { $0 = continuation }
                let attempt = Task {
                    do { resume(.success(try await operation())) } catch { resume(.failure(error)) }
                }
                let timer = Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    resume(.failure(AttemptTimedOut()))
                    attempt.cancel()
                }
                work.withLock { $0 = [attempt, timer] }
                Task {
                    await attempt.value
                    timer.cancel()
                }
            }
        } onCancel: {
            resume(.failure(CancellationError()))
            for task in work.withLock({ $0 }) { task.cancel() }
        }
    }
}
