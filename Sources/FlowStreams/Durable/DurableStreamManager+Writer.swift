extension DurableStreamManager {
    /// The only writer of one stream. Each batch is stored fenced: storage checks that the stream
    /// still runs with exactly the chunks this writer stored.
    struct Writer: StreamWriter {
        let engine: DurableStreamManager
        let stream: LiveStream

        func write(_ chunks: [JSONBytes]) async throws {
            try await engine.append(chunks, to: stream)
        }

        func finish(_ outcome: StreamOutcome) async throws {
            guard stream.decideFinish(outcome) else { throw StreamManagerError.streamFinished }
            let engine = self.engine
            let stream = self.stream
            // Decided: store it even if the caller goes away, so readers are never left waiting.
            let stored = try await Task { try await engine.storeTerminal(outcome, of: stream, what: "finish") }.value
            guard stored else { throw StreamManagerError.streamFinished }
        }

        func onCancel(_ handler: @escaping @Sendable () -> Void) {
            stream.onCancel(handler)
        }
    }

    // MARK: Appending

    /// Stores `chunks` after the stream's last ones, then wakes its readers here.
    /// - Throws: `streamFinished` when the stream ended (nothing stored); `storageUnavailable` when
    ///   storage failed for the storage window (the stream then ends for its readers here).
    func append(_ chunks: [JSONBytes], to stream: LiveStream) async throws {
        let range = try stream.reserve(chunks.count)
        guard !chunks.isEmpty else { return }
        let append = ChunkAppend(id: stream.id, base: range.lowerBound, chunks: chunks)
        let result: AppendResult
        do {
            if let groupCommit {
                result = try await groupCommit.store(append, of: stream)
            } else {
                result = try await retry.run("write") { [storage] in try await storage.append([append])[0] }
            }
        } catch is StorageFailure {
            await endForStorageFailure(stream)
            throw StreamManagerError.storageUnavailable
        } catch {
            stream.abandonReservation()
            throw error
        }
        switch result {
        case .appended, .alreadyStored:
            stream.didCommit(append)
            hubs.signal(stream.id)
        case .finished:
            stream.abandonReservation()
            finishedElsewhere(stream.id)
            throw StreamManagerError.streamFinished
        case .outOfStep(let stored):
            logger.error("stream out of step with storage, ending it", metadata: [
                "flowstreams.expected": "\(append.base)", "flowstreams.stored": "\(stored)",
            ])
            await endForStorageFailure(stream)
            throw StreamManagerError.storageUnavailable
        }
    }

    // MARK: Ending streams

    /// Stores the terminal of a stream whose end was decided here (finish or cancel), then wakes its
    /// readers and forgets it. When storage fails, readers here get `UNAVAILABLE "Storage
    /// unavailable."` from memory, and the terminal stays pending for `run()` to store.
    /// - Returns: Whether it was stored (`false`: another terminal was stored first).
    /// - Throws: `storageUnavailable`; `CancellationError`.
    func storeTerminal(_ outcome: StreamOutcome, of stream: LiveStream, what: String) async throws -> Bool {
        let id = stream.id
        do {
            let stored = try await retry.run(what) { [storage] in try await storage.storeTerminal(outcome, of: id) }
            live.unregister(stream)
            hubs.finish(id)
            return stored
        } catch is StorageFailure {
            await endForStorageFailure(stream)
            throw StreamManagerError.storageUnavailable
        }
    }

    /// Storage failed for the storage window: the stream ends `UNAVAILABLE "Storage unavailable."`
    /// for this process's readers at once; that terminal is stored once now if storage answers, else
    /// by `run()` later (until then, readers elsewhere see the stream running, then lost when its
    /// lease expires).
    func endForStorageFailure(_ stream: LiveStream) async {
        stream.overrideTerminal(.failure(.storageUnavailable))
        hubs.signal(stream.id)
        logger.debug("stream ended: storage unavailable", metadata: ["flowstreams.stream.id": "\(stream.id)"])
        await storePendingTerminal(of: stream)
    }

    /// Stores the terminal a storage failure kept in memory, once, without retrying.
    func storePendingTerminal(of stream: LiveStream) async {
        guard let (_, outcome) = stream.overriddenTerminal else { return }
        do {
            _ = try await storage.storeTerminal(outcome, of: stream.id)
            live.unregister(stream)
            hubs.finish(stream.id)
        } catch {
            logger.debug("pending terminal not stored yet", metadata: ["flowstreams.storage.error": "\(storage.describe(error))"])
        }
    }

    /// Another process stored the terminal of stream `id` (a cancel, an expired lease): its readers
    /// here read it, and a flow writing it here is told to stop and may not append any more.
    func finishedElsewhere(_ id: StreamID) {
        guard let stream = live.stream(id) else { return hubs.finish(id) }
        // Finished here too: the terminal decided here is on its way to storage (or pending).
        guard stream.finishedElsewhere() else { return }
        logger.debug("stream ended by another instance", metadata: ["flowstreams.stream.id": "\(id)"])
        live.unregister(stream)
        hubs.finish(id)
        stream.fireCancel()
    }
}
