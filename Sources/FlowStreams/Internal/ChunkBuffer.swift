import Synchronization

/// The bounded write buffer between a flow and where its chunks go (storage, or the response of a
/// run without a stream manager). `append` suspends while the buffer is full; the consumer takes
/// everything buffered at once, so storage commits many chunks per transaction (group commit). A
/// chunk for a waiting consumer only wakes it: it takes what is buffered when it runs, by which time
/// a fast flow has usually added more (batches follow the load; an idle stream's chunk goes at once).
final class ChunkBuffer: Sendable {
    /// Limits of the write buffer.
    struct Limits: Sendable, Hashable {
        var chunks: Int
        var bytes: Int
        /// The largest chunk accepted; a larger one ends the run with `RESOURCE_EXHAUSTED "Chunk exceeds limit."`.
        var chunkBytes: Int
        /// The most chunks one run may send; one more ends it with `RESOURCE_EXHAUSTED "Stream exceeds limit."`.
        var streamChunks: Int = .max
        /// The most chunk bytes one run may send in all; more end it with `RESOURCE_EXHAUSTED "Stream exceeds limit."`.
        var streamBytes: Int = .max
    }

    enum Batch {
        case chunks([JSONBytes])
        case closed
        /// The taking task was cancelled; nothing was taken.
        case interrupted
    }

    private struct Producer {
        let id: Int
        let chunk: JSONBytes
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var pending: [JSONBytes] = []
        var pendingBytes = 0
        var waitingProducers: [Producer] = []
        /// The waiting consumer, resumed with `true` when there is something to take, `false` when interrupted.
        var consumer: CheckedContinuation<Bool, Never>?
        var closed = false
        var failure: (any Error)?
        var nextProducerID = 0
        /// Chunks and bytes the flow has sent so far (accepted or waiting), for the stream-length limit.
        var sentChunks = 0
        var sentBytes = 0
        /// The limit the flow went over, if it did: the run ends with this error, whatever the flow does next.
        var exceededLimit: FlowError?

        func hasRoom(for chunk: JSONBytes, limits: Limits) -> Bool {
            pending.isEmpty || (pending.count < limits.chunks && pendingBytes + chunk.count <= limits.bytes)
        }

        mutating func accept(_ chunk: JSONBytes) {
            pending.append(chunk)
            pendingBytes += chunk.count
        }

        mutating func takeBatch() -> Batch? {
            if pending.isEmpty { return closed ? .closed : nil }
            defer { pending = []; pendingBytes = 0 }
            return .chunks(pending)
        }
    }

    private let limits: Limits
    private let state = Mutex(State())

    init(limits: Limits) {
        precondition(limits.chunks > 0 && limits.bytes > 0)
        self.limits = limits
    }

    /// Adds a chunk in order, waiting while the buffer is full.
    /// - Throws: The consumer's error once it failed; `CancellationError` if the task is cancelled while waiting.
    func append(_ chunk: JSONBytes) async throws {
        enum Admission {
            case accepted(wake: CheckedContinuation<Bool, Never>?)
            case wait(Int)
            case failed(any Error)
        }
        /// Accepts the chunk when nobody waits ahead of it and it fits; `nil` when it must wait.
        func admitNow(_ state: inout State) -> Admission? {
            guard state.waitingProducers.isEmpty && state.hasRoom(for: chunk, limits: limits) else { return nil }
            state.accept(chunk)
            defer { state.consumer = nil }
            return .accepted(wake: state.consumer)
        }
        let admission: Admission = state.withLock { state in
            if let failure = state.failure { return .failed(failure) }
            if state.closed { return .failed(FlowError.streamFinished) }
            if let exceeded = state.exceededLimit { return .failed(exceeded) }
            if chunk.count > limits.chunkBytes {
                state.exceededLimit = .chunkTooLarge
                return .failed(FlowError.chunkTooLarge)
            }
            if state.sentChunks >= limits.streamChunks || chunk.count > limits.streamBytes - state.sentBytes {
                state.exceededLimit = .streamTooLong
                return .failed(FlowError.streamTooLong)
            }
            state.sentChunks += 1
            state.sentBytes += chunk.count
            if let admitted = admitNow(&state) { return admitted }
            defer { state.nextProducerID += 1 }
            return .wait(state.nextProducerID)
        }
        switch admission {
        case .failed(let error):
            throw error
        case .accepted(let wake):
            wake?.resume(returning: true)
        case .wait(let id):
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    // Decide again under the lock: the consumer may have emptied the buffer since.
                    let decision: Admission? = state.withLock { state in
                        if let failure = state.failure { return .failed(failure) }
                        if Task.isCancelled { return .failed(CancellationError()) }
                        if let admitted = admitNow(&state) { return admitted }
                        state.waitingProducers.append(Producer(id: id, chunk: chunk, continuation: continuation))
                        return nil
                    }
                    switch decision {
                    case .failed(let error): continuation.resume(throwing: error)
                    case .accepted(let wake):
                        wake?.resume(returning: true)
                        continuation.resume()
                    case .wait, nil: break
                    }
                }
            } onCancel: {
                let producer = state.withLock { state -> Producer? in
                    guard let index = state.waitingProducers.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waitingProducers.remove(at: index)
                }
                producer?.continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// The limit (chunk size or stream length) the flow went over, if it did: the run then ends with
    /// that error, whatever the flow did next.
    var exceededLimit: FlowError? { state.withLock { $0.exceededLimit } }

    /// Takes everything buffered, waiting until there is something; `.closed` once the producer
    /// closed the buffer and everything was taken.
    func take() async -> Batch {
        while true {
            let (batch, admitted) = state.withLock { state -> (Batch?, [Producer]) in
                guard let batch = state.takeBatch() else { return (nil, []) }
                return (batch, admitWaiting(&state))
            }
            for producer in admitted { producer.continuation.resume() }
            if let batch { return batch }
            guard await waitForChunks() else { return .interrupted }
        }
    }

    /// Waits until a chunk is appended or the buffer closed. - Returns: `false` when the task was cancelled.
    private func waitForChunks() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let ready = state.withLock { state -> Bool? in
                    if Task.isCancelled { return false }
                    if !state.pending.isEmpty || state.closed { return true }
                    state.consumer = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            state.withLock { state in defer { state.consumer = nil }; return state.consumer }?.resume(returning: false)
        }
    }

    /// The producer is done: the consumer gets what is left, then `.closed`.
    func close() {
        let consumer = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            state.closed = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume(returning: true)
    }

    /// The consumer failed: waiting and later `append`s throw `error`.
    func fail(_ error: any Error) {
        let waiting = state.withLock { state -> [Producer] in
            state.failure = error
            defer { state.waitingProducers = [] }
            return state.waitingProducers
        }
        for producer in waiting { producer.continuation.resume(throwing: error) }
    }

    /// Moves waiting producers' chunks into the (just emptied) buffer, in order, while there is room.
    private func admitWaiting(_ state: inout State) -> [Producer] {
        var admitted: [Producer] = []
        while let next = state.waitingProducers.first, state.hasRoom(for: next.chunk, limits: limits) {
            state.accept(next.chunk)
            admitted.append(state.waitingProducers.removeFirst())
        }
        return admitted
    }
}
