import Logging

/// Runs a flow's body with a bounded write buffer drained into `deliver`, and maps how it ended to a
/// stream outcome. Shared by durable runs (deliver = storage) and plain streams (deliver = response).
enum FlowExecution {
    /// - Parameters:
    ///   - run: The flow, input already decoded.
    ///   - caller: The caller's context.
    ///   - limits: The write buffer's limits.
    ///   - stop: Why the run was stopped from outside, if it was (decides how a cancellation reads).
    ///   - logger: Receives the text of errors that are not `FlowError`s.
    ///   - deliver: Takes each batch of chunks, in order; an error fails the run.
    /// - Returns: The outcome to store or send: never thrown, every error mapped.
    static func run(
        _ run: ErasedFlow.Run,
        caller: CallerContext,
        limits: ChunkBuffer.Limits,
        stop: @escaping @Sendable () -> StopReason?,
        logger: Logger,
        deliver: @escaping @Sendable ([JSONBytes]) async throws -> Void
    ) async -> StreamOutcome {
        let buffer = ChunkBuffer(limits: limits)
        return await withTaskGroup(of: (any Error)?.self) { group in
            group.addTask {
                while case .chunks(let batch) = await buffer.take() {
                    do {
                        try await deliver(batch)
                    } catch {
                        // The stream ended under the flow (a cancel, a lost writer): to the flow that
                        // reads as cancellation, whichever arrives first, the error or the task cancel.
                        let isFinished = (error as? StreamManagerError)?.code == .streamFinished
                        buffer.fail(isFinished ? CancellationError() : error)
                        return error
                    }
                }
                return nil
            }
            var outcome = await runBody(run, caller: caller, into: buffer, stop: stop, logger: logger)
            buffer.close()
            if let deliveryError = await group.next() ?? nil {
                // Chunks could not be delivered: the run cannot end as if they had been.
                outcome = .failure(flowError(for: deliveryError, stop: stop(), logger: logger))
            }
            return outcome
        }
    }

    /// Runs the flow's body, its chunks going into `buffer` (which it does not close).
    static func runBody(
        _ run: ErasedFlow.Run,
        caller: CallerContext,
        into buffer: ChunkBuffer,
        stop: @escaping @Sendable () -> StopReason?,
        logger: Logger
    ) async -> StreamOutcome {
        let outcome: StreamOutcome
        do {
            outcome = .success(try await run(caller) { chunk in try await buffer.append(chunk) })
        } catch {
            outcome = .failure(flowError(for: error, stop: stop(), logger: logger))
        }
        return buffer.exceededLimit.map { .failure($0) } ?? outcome
    }

    /// What the caller sees of an error that ended a run.
    static func flowError(for error: any Error, stop: StopReason?, logger: Logger) -> FlowError {
        switch stop {
        case .cancelled: return .streamCancelled
        case .shutdown: return .shuttingDown
        case nil: break
        }
        if let error = error as? FlowError { return error }
        if let error = error as? StreamManagerError { return error.flowError }
        if error is CancellationError { return .streamCancelled }
        logger.error("flow failed", metadata: ["flowstreams.error": "\(String(reflecting: error))"])
        return .internalError
    }
}
