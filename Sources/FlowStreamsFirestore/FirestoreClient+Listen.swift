import AsyncAlgorithms
import Foundation
import GRPCCore
import Logging

/// The snapshots of one Listen target, as an async sequence. Each snapshot carries what changed
/// since the previous one; the first carries every document the target matches. A broken stream is
/// re-established behind the scenes (with backoff, resuming from the last snapshot), so the
/// sequence ends only when the listen's scope ends or with a `FirestoreError` that retrying cannot
/// fix (`.permissionDenied`, `.invalidArgument`, ...).
package struct FirestoreListenSnapshots: AsyncSequence, Sendable {
    package typealias Element = FirestoreListenSnapshot
    let channel: AsyncThrowingChannel<FirestoreListenSnapshot, any Error>

    package struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingChannel<FirestoreListenSnapshot, any Error>.Iterator

        package mutating func next() async throws -> FirestoreListenSnapshot? {
            try await base.next()
        }
    }

    package func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: channel.makeAsyncIterator())
    }
}

extension FirestoreClient {
    /// Listens to `target` while `body` runs: `body` gets the target's snapshots as an async
    /// sequence; when `body` returns or throws, the Listen stream is closed.
    ///
    /// The stream is re-established after any transient failure (a broken connection, the server
    /// ending the stream, `UNAVAILABLE`), after `listenBackoff`, from the resume token of the last
    /// snapshot handed out: the next snapshot carries exactly what changed since.
    /// A snapshot is handed out only when `body` asks for the next one: a slow consumer holds the
    /// stream back (HTTP/2 flow control), it is not buffered.
    /// - Returns: What `body` returned.
    /// - Throws: What `body` throws.
    package func listen<T: Sendable>(
        to target: FirestoreListenTarget, _ body: (FirestoreListenSnapshots) async throws -> T
    ) async throws -> T {
        let channel = AsyncThrowingChannel<FirestoreListenSnapshot, any Error>()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.runListen(target, into: channel) }
            defer { group.cancelAll() }
            return try await body(FirestoreListenSnapshots(channel: channel))
        }
    }

    /// What a Listen response is, for trace logs: its kind and target ids, never names or values.
    private static func traceMetadata(_ message: Google_Firestore_V1_ListenResponse) -> Logger.Metadata {
        switch message.responseType {
        case .targetChange(let change):
            return [
                "firestore.listen": "targetChange", "firestore.type": "\(change.targetChangeType)",
                "firestore.targets": "\(change.targetIds)", "firestore.token": "\(!change.resumeToken.isEmpty)",
                "firestore.readTime": "\(change.hasReadTime)",
            ]
        case .documentChange(let change):
            return ["firestore.listen": "documentChange", "firestore.targets": "\(change.targetIds)", "firestore.removedTargets": "\(change.removedTargetIds)"]
        case .documentDelete: return ["firestore.listen": "documentDelete"]
        case .documentRemove: return ["firestore.listen": "documentRemove"]
        case .filter(let filter): return ["firestore.listen": "filter", "firestore.count": "\(filter.count)"]
        case nil: return ["firestore.listen": "empty"]
        }
    }

    private enum StreamEnding: Sendable {
        case cancelled, restart, ended
        case failed(FirestoreError)
        case broken(any Error)
    }

    /// Keeps a Listen stream for `target` until cancelled or failed for good, sending snapshots.
    private func runListen(_ target: FirestoreListenTarget, into channel: AsyncThrowingChannel<FirestoreListenSnapshot, any Error>) async {
        var state = ListenState()
        var failures = 0
        var options = CallOptions.defaults
        options.maxResponseMessageBytes = Self.maximumMessageBytes
        let database = self.database.name
        while !Task.isCancelled {
            let resumeToken = state.connected()
            let initial = state
            let ending: StreamEnding
            var delivered = false
            do {
                let outcome = try await stub.listen(options: options) { writer in
                    try await writer.write(.with {
                        $0.database = database
                        $0.addTarget = target.message(targetID: initial.targetID, resumeToken: resumeToken)
                    })
                    // The request side stays open for as long as the stream: gRPC cancels it at the end.
                    while !Task.isCancelled { try? await Task.sleep(for: .seconds(3_600)) }
                } onResponse: { response -> (ListenState, Bool, StreamEnding) in
                    var state = initial
                    var delivered = false
                    do {
                        for try await message in response.messages {
                            self.logger.trace("Firestore Listen response", metadata: Self.traceMetadata(message))
                            switch state.receive(message) {
                            case .none:
                                continue
                            case .emit(let snapshot):
                                await channel.send(snapshot)
                                delivered = true
                                if Task.isCancelled { return (state, delivered, .cancelled) }
                            case .restart:
                                return (state, delivered, .restart)
                            case .fail(let error):
                                return (state, delivered, .failed(error))
                            }
                        }
                        return (state, delivered, .ended)
                    } catch {
                        return (state, delivered, .broken(error))
                    }
                }
                state = outcome.0
                delivered = outcome.1
                ending = outcome.2
            } catch {
                ending = .broken(error)
            }
            if delivered { failures = 0 }
            switch ending {
            case .cancelled:
                channel.finish()
                return
            case .failed(let error):
                channel.fail(error)
                return
            case .restart, .ended:
                logger.debug("Firestore Listen stream ended; listening again", metadata: ["firestore.connection": "\(state.connection)"])
                failures += 1
            case .broken(let error):
                if Task.isCancelled { break }
                let mapped = FirestoreError.wrapping(error, operation: "Listen")
                guard mapped.isTransient || mapped.code == .cancelled || mapped.code == .unauthenticated else {
                    channel.fail(mapped)
                    return
                }
                failures += 1
                logger.debug(
                    "Firestore Listen stream broke; listening again",
                    metadata: ["firestore.code": "\(mapped.code)", "firestore.attempt": "\(failures)"])
            }
            if Task.isCancelled { break }
            do {
                try await Task.sleep(for: configuration.listenBackoff.delay(attempt: failures))
            } catch {
                break
            }
        }
        channel.finish()
    }
}
