import FlowStreams
import GRDB

extension SQLiteStreamManager {
    /// The writer of one stream. Each batch is appended in a transaction (shared with other streams'
    /// batches, `GroupCommit`) that first checks, in the database, that the stream still runs and has
    /// exactly the chunks this writer stored (fencing).
    struct Writer: StreamWriter {
        let store: StreamStore
        let stream: LiveStream

        func write(_ chunks: [JSONBytes]) async throws {
            let range = try stream.reserve(chunks.count)
            guard !chunks.isEmpty else { return }
            let result: Queries.AppendResult
            do {
                // Committed together with the appends of other streams that arrive meanwhile.
                result = try await store.groupCommit.commit(.init(stream: stream, chunks: chunks, base: range.lowerBound), in: store)
            } catch is StorageFailure {
                await store.endForStorageFailure(stream)
                throw FlowError.storageUnavailable
            } catch {
                stream.abandonReservation()
                throw error
            }
            switch result {
            case .appended:
                return
            case .alreadyStored:
                store.didCommit(.init(stream: stream, chunks: chunks, base: range.lowerBound))
            case .finished:
                stream.abandonReservation()
                throw FlowError.streamFinished
            case .outOfStep(let stored):
                store.logger.error("stream out of step with the database, ending it", metadata: [
                    "flowstreams.expected": "\(range.lowerBound)", "flowstreams.stored": "\(stored)",
                ])
                await store.endForStorageFailure(stream)
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
