import FlowStreams

extension PostgresStreamManager {
    /// The writer of one stream. Each batch is one statement that first checks, in the database,
    /// that the stream still runs and has exactly the chunks this writer stored (fencing).
    struct Writer: StreamWriter {
        let store: PostgresStore
        let stream: LiveStream

        func write(_ chunks: [JSONBytes]) async throws {
            let range = try stream.reserve(chunks.count)
            guard !chunks.isEmpty else { return }
            let id = stream.id
            let lease = store.leaseMilliseconds
            let result: Queries.AppendResult
            do {
                result = try await store.perform("write") { queries in
                    try await queries.appendChunks(id: id, chunks: chunks, at: range.lowerBound, leaseMilliseconds: lease)
                }
            } catch let error as FlowError where error == .storageUnavailable {
                store.endForStorageFailure(stream)
                throw error
            } catch {
                stream.abandonReservation()
                throw error
            }
            switch result {
            case .appended, .alreadyStored:
                stream.didCommit(upTo: range.upperBound)
                store.hubs.signal(id.rawValue)
            case .finished:
                stream.abandonReservation()
                store.finishedElsewhere(id.rawValue)
                throw FlowError.streamFinished
            case .outOfStep(let stored):
                store.logger.error("stream out of step with the database, ending it", metadata: [
                    "flowstreams.expected": "\(range.lowerBound)", "flowstreams.stored": "\(stored)",
                ])
                store.endForStorageFailure(stream)
                throw FlowError.storageUnavailable
            }
        }

        func finish(_ outcome: StreamOutcome) async throws {
            guard stream.decideFinish(outcome) else { throw FlowError.streamFinished }
            let store = self.store
            let stream = self.stream
            // Decided: store it even if the caller goes away, so readers are never left waiting.
            let stored = try await Task { try await store.storeTerminal(of: stream, outcome, what: "finish") }.value
            guard stored else { throw FlowError.streamFinished }
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            stream.onCancel(handler)
        }
    }
}
