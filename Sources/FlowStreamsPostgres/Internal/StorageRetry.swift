import FlowStreams
import Logging
import PostgresNIO
import Synchronization

/// The database failed for longer than the storage window, or in a way retrying cannot fix. Its
/// description names the error code only (no SQL, no data).
struct StorageFailure: Error, CustomStringConvertible {
    var cause: String
    var description: String { "storage failure: \(cause)" }

    init(_ error: any Error) {
        cause = StorageRetry.describe(error)
    }
}

/// Runs database operations, retrying connection trouble (a lost connection, a server restarting or
/// refusing connections, a serialization failure) with exponential backoff for the storage window.
/// postgres-nio's pool opens new connections by itself; this only decides how long to keep trying.
struct StorageRetry: Sendable {
    var window: Duration
    var initialDelay: Duration = .milliseconds(10)
    var maximumDelay: Duration = .milliseconds(500)
    /// How long one attempt may go unanswered before it counts as failed and is retried.
    var attemptTimeout: Duration
    var logger: Logger

    /// Runs `operation` until it succeeds, throws an error that is not a storage error, or the window ends.
    /// - Throws: `FlowError` and `CancellationError` as thrown; `StorageFailure` (logged at error) once
    ///   storage failed for the whole window, or at once for an error retrying cannot fix.
    func run<T: Sendable>(_ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: window)
        var delay = initialDelay
        var attempts = 0
        while true {
            do {
                return try await StorageRetry.answer(within: attemptTimeout, operation)
            } catch let error as FlowError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                attempts += 1
                let metadata: Logger.Metadata = [
                    "flowstreams.operation": "\(what)", "flowstreams.postgres.error": "\(StorageRetry.describe(error))",
                    "flowstreams.attempts": "\(attempts)",
                ]
                guard StorageRetry.isTransient(error), clock.now < deadline else {
                    logger.error("storage unavailable", metadata: metadata)
                    throw StorageFailure(error)
                }
                logger.debug("storage error, retrying", metadata: metadata)
                try await Task.sleep(for: min(delay, max(deadline - clock.now, .zero)))
                delay = min(delay * 2, maximumDelay)
            }
        }
    }

    /// Whether retrying may help: the connection failed or closed (also when the pool closed a
    /// connection the server had ended), or the server reported a
    /// connection exception (08), operator intervention such as a restart (57), insufficient
    /// resources (53) or a transaction rollback such as a serialization failure (40).
    static func isTransient(_ error: any Error) -> Bool {
        if error is AttemptTimedOut { return true }
        if let error = error as? PostgresTransactionError, let cause = error.cause { return isTransient(cause) }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return ["08", "57", "53", "40"].contains(String(state.prefix(2)))
        default:
            return false
        }
    }

    /// The error's code and SQLSTATE, never its message (which may quote data).
    static func describe(_ error: any Error) -> String {
        if error is AttemptTimedOut { return "no answer within the attempt timeout" }
        if let error = error as? PostgresTransactionError, let cause = error.cause {
            return "PostgresTransactionError (\(describe(cause)))"
        }
        guard let error = error as? PSQLError else { return "\(type(of: error))" }
        if let state = error.serverInfo?[.sqlState] { return "PSQLError \(error.code) SQLSTATE \(state)" }
        return "PSQLError \(error.code)"
    }
}

extension PostgresTransactionError {
    /// The error that failed the transaction (its begin, its body, or its commit).
    var cause: (any Error)? { beginError ?? closureError ?? commitError }
}

/// An attempt got no answer in time (a statement lost with its connection).
struct AttemptTimedOut: Error {}

extension StorageRetry {
    /// Runs `operation` and returns its answer, or throws `AttemptTimedOut` after `timeout` (and
    /// `CancellationError` at once when the caller is cancelled). An operation that does not answer
    /// is cancelled and left behind: a statement sent on a connection that died can wait forever in
    /// the client, and fencing makes a late answer harmless.
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
