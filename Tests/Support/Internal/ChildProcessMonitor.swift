import Foundation
import Synchronization

/// What a ``ChildProcess`` has printed and whether it has exited, shared with the threads that drain its
/// pipes and with Foundation's termination handler; and a way to wait for that state to change.
final class ChildProcessMonitor: Sendable {
    struct State: Sendable {
        /// Complete stdout lines, without their "\n".
        var stdoutLines: [String] = []
        /// Stdout bytes after the last "\n".
        var partialStdoutLine: [UInt8] = []
        /// Stdout and stderr as read, interleaved.
        var output: [UInt8] = []
        var stdoutClosed = false
        var stderrClosed = false
        /// The exit status, or 128 + signal number.
        var exitStatus: Int32?
        /// Bumped on every change, so a waiter can tell whether it missed one.
        var version = 0
        var nextWaiterID = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]

        var pipesClosed: Bool { stdoutClosed && stderrClosed }
        var outputText: String { String(decoding: output, as: UTF8.self) }
    }

    private let state = Mutex(State())

    /// A copy of the current state.
    var snapshot: State { state.withLock { $0 } }

    // MARK: Recording

    func append(_ bytes: ArraySlice<UInt8>, fromStdout: Bool) {
        update { state in
            state.output += bytes
            guard fromStdout else { return }
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    state.stdoutLines.append(String(decoding: state.partialStdoutLine, as: UTF8.self))
                    state.partialStdoutLine.removeAll()
                } else {
                    state.partialStdoutLine.append(byte)
                }
            }
        }
    }

    func pipeClosed(stdout: Bool) {
        update { state in
            if stdout {
                state.stdoutClosed = true
                if !state.partialStdoutLine.isEmpty {
                    state.stdoutLines.append(String(decoding: state.partialStdoutLine, as: UTF8.self))
                    state.partialStdoutLine.removeAll()
                }
            } else {
                state.stderrClosed = true
            }
        }
    }

    func exited(status: Int32) {
        update { $0.exitStatus = status }
    }

    private func update(_ body: (inout State) -> Void) {
        let waiters = state.withLock { state in
            body(&state)
            state.version += 1
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Waiting

    /// Waits until `check` returns a value, re-checking after every change.
    func wait<T: Sendable>(
        timeout: Duration,
        waitingFor description: String,
        _ check: @escaping @Sendable (State) throws -> T?
    ) async throws -> T {
        let error = TestTimeoutError(waitingFor: description, timeout: timeout)
        return try await withTimeout(timeout, throwing: error) {
            while true {
                try Task.checkCancellation()
                let (value, version) = try self.state.withLock { state in (try check(state), state.version) }
                if let value { return value }
                await self.waitForChange(after: version)
            }
        }
    }

    /// Returns after the next change following `version`, or when the task is cancelled.
    private func waitForChange(after version: Int) async {
        let id = state.withLock { state in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    // Checked under the lock the cancellation handler takes: no wake-up can be lost.
                    if state.version != version || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
