import FlowStreams
import GRDB
import Logging

/// Storage failed for longer than the storage window, or in a way retrying cannot fix. Its
/// description names the SQLite result code only (no SQL, no data).
struct StorageFailure: Error, CustomStringConvertible {
    /// What SQLite (or the file check) reported, e.g. `SQLite error 13`.
    var cause: String

    var description: String { "storage failure: \(cause)" }

    init(_ error: any Error) {
        cause = StorageFailure.sqliteCode(of: error) ?? "\(type(of: error))"
        if error is DatabaseFile.Changed { cause = "\(error)" }
    }

    /// The SQLite result code of a GRDB error, e.g. `SQLite error 5` or `SQLite error 10 (extended 522)`.
    static func sqliteCode(of error: any Error) -> String? {
        guard let error = error as? DatabaseError else { return nil }
        let primary = error.resultCode.rawValue
        let extended = error.extendedResultCode.rawValue
        return "SQLite error \(primary)" + (extended == primary ? "" : " (extended \(extended))")
    }
}

/// Runs storage operations, retrying transient failures (busy, locked, full, I/O errors, a file
/// that cannot be opened, removed or replaced) with exponential backoff for the storage window.
///
/// The window is measured on the system's continuous clock, not the manager's injected clock, so a
/// storage failure ends in real time even under a test clock that never moves.
struct StorageRetry: Sendable {
    var window: Duration
    var initialDelay: Duration = .milliseconds(5)
    var maximumDelay: Duration = .milliseconds(500)
    var logger: Logger

    /// Runs `operation` until it succeeds, throws an error that is not a storage error, or the window ends.
    /// - Parameter what: The operation's name, for the logs (`"write"`, `"finish"`, …).
    /// - Throws: `FlowError` and `CancellationError` as thrown; `StorageFailure` once storage failed
    ///   for the whole window, or at once for an error retrying cannot fix. A `StorageFailure` is
    ///   logged at error here.
    func run<T>(_ what: String, _ operation: () async throws -> T) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: window)
        var delay = initialDelay
        var attempts = 0
        while true {
            do {
                return try await operation()
            } catch let error as FlowError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                attempts += 1
                let failure = StorageFailure(error)
                guard StorageRetry.isTransient(error), clock.now < deadline else {
                    logger.error("storage unavailable", metadata: [
                        "flowstreams.operation": "\(what)", "flowstreams.sqlite.error": "\(failure.cause)",
                        "flowstreams.attempts": "\(attempts)",
                    ])
                    throw failure
                }
                logger.debug("storage error, retrying", metadata: [
                    "flowstreams.operation": "\(what)", "flowstreams.sqlite.error": "\(failure.cause)",
                    "flowstreams.attempts": "\(attempts)",
                ])
                try await Task.sleep(for: min(delay, max(deadline - clock.now, .zero)))
                delay = min(delay * 2, maximumDelay)
            }
        }
    }

    /// Whether retrying may help: the database is busy or locked, the disk is full, an I/O error,
    /// the file cannot be opened or written, or was removed or replaced.
    static func isTransient(_ error: any Error) -> Bool {
        if error is DatabaseFile.Changed { return true }
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY,
             .SQLITE_PROTOCOL, .SQLITE_NOMEM, .SQLITE_PERM:
            return true
        default:
            return false
        }
    }
}
