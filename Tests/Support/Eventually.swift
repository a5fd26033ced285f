// MARK: - Waiting for a condition

/// Polls `condition` until it returns `true`, or throws ``TestTimeoutError`` once `timeout` has passed.
///
/// The condition is checked at least once, and once more after the deadline before giving up, so a
/// condition that became true just in time is not reported as a timeout. No task is left behind.
///
/// ```swift
/// try await waitUntil(timeout: .seconds(2)) { await manager.activeStreams == 0 }
/// ```
/// - Parameters:
///   - timeout: How long to keep trying.
///   - poll: The pause between checks. Defaults to 10 ms.
///   - description: What is awaited, for the error message.
///   - condition: The check. It should return quickly; a check that hangs is not interrupted.
/// - Throws: ``TestTimeoutError`` when the condition is still false after `timeout`; any error of `condition`.
public func waitUntil(
    timeout: Duration,
    poll: Duration = .milliseconds(10),
    _ description: String = "condition",
    fileID: String = #fileID,
    line: Int = #line,
    _ condition: @Sendable () async throws -> Bool
) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        if try await condition() { return }
        if clock.now >= deadline {
            if try await condition() { return }
            throw TestTimeoutError(waitingFor: description, timeout: timeout, location: "\(fileID):\(line)")
        }
        try await Task.sleep(for: min(poll, max(deadline - clock.now, .zero)))
    }
}

// MARK: - Bounding an operation

/// Runs `operation`, throwing ``TestTimeoutError`` if it does not finish within `duration`.
///
/// The operation runs in a child task that is cancelled when the time is up; `withTimeout` returns once
/// that child has ended, so nothing keeps running afterwards. An operation that ignores cancellation
/// therefore delays the timeout until it ends.
///
/// ```swift
/// let frame = try await withTimeout(.seconds(1)) { try await reader.nextFrame() }
/// ```
/// - Parameters:
///   - duration: The time limit.
///   - description: What is awaited, for the error message.
///   - operation: The work to bound.
/// - Returns: The result of `operation`.
/// - Throws: ``TestTimeoutError`` on timeout; otherwise whatever `operation` throws.
public func withTimeout<T: Sendable>(
    _ duration: Duration,
    waitingFor description: String = "operation",
    fileID: String = #fileID,
    line: Int = #line,
    _ operation: @Sendable @escaping () async throws -> T
) async throws -> T {
    let error = TestTimeoutError(waitingFor: description, timeout: duration, location: "\(fileID):\(line)")
    return try await withTimeout(duration, throwing: error, operation)
}

/// ``withTimeout(_:waitingFor:fileID:line:_:)`` with the error to throw given in full.
func withTimeout<T: Sendable>(
    _ duration: Duration,
    throwing error: TestTimeoutError,
    _ operation: @Sendable @escaping () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw error
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw CancellationError() }
        return result
    }
}
