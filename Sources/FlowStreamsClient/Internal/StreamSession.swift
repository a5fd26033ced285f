import AsyncHTTPClient
import FlowStreamsWire
import Logging
import NIOCore

/// One streaming call: its connection, the chunks it has received, and its resumes.
///
/// Reads are exclusive (one at a time), so `chunks` and `output` may be awaited from different tasks.
/// Chunks read for `output` while nobody iterates `chunks` are kept, so an iteration still sees them.
actor StreamSession {
    private let client: FlowClient
    let url: String
    private let requestBody: ByteBuffer
    private let headers: [String: String]

    /// The id of the durable stream; `nil` when the server gave none (then nothing can be resumed).
    private(set) var streamID: StreamID?
    private var connection: StreamConnection?
    /// How many chunks have come off the wire: the next chunk's index.
    private var received = 0
    /// Chunks read by `output()` that `nextChunk()` has not returned yet.
    private var kept: [JSONBytes] = []
    private var keptStart = 0
    private var outcome: Result<JSONBytes, FlowClientError>?
    /// Resume attempts since the last new chunk or keep-alive.
    private var attemptsWithoutProgress = 0
    private var reading = false
    private var waitingReaders: [CheckedContinuation<Void, Never>] = []

    init(client: FlowClient, url: String, input: JSONBytes, headers: [String: String]) {
        self.client = client
        self.url = url
        self.requestBody = FlowClient.requestBody(input: input)
        self.headers = headers
    }

    /// Sends the first request and waits for its response head.
    /// - Parameter streamID: The stream to resume from its first chunk; `nil` starts a new run.
    /// - Returns: The stream id the server answered with.
    func start(resuming streamID: StreamID?) async throws -> StreamID? {
        do {
            connection = try await connect(streamID: streamID, lastIndex: nil)
        } catch let error as FlowClientError where streamID != nil && client.configuration.autoResume && error.allowsRetry {
            // Resuming is safe to repeat (starting a run is not): try again with backoff.
            self.streamID = streamID
            connection = try await reconnect()
        }
        return self.streamID
    }

    /// The next chunk not returned yet, or `nil` after a successful terminal frame.
    /// - Throws: The stream's error (its error frame, or why it could not go on); `CancellationError`.
    func nextChunk() async throws -> JSONBytes? {
        await beginReading()
        defer { endReading() }
        if keptStart < kept.count {
            defer { keptStart += 1; if keptStart == kept.count { kept.removeAll(); keptStart = 0 } }
            return kept[keptStart]
        }
        return try await readChunk()
    }

    /// The output, once the terminal frame has been read.
    /// - Throws: The stream's error; `CancellationError`.
    func output() async throws -> JSONBytes {
        await beginReading()
        defer { endReading() }
        while outcome == nil {
            if let chunk = try await readChunk() { kept.append(chunk) }
        }
        return try outcome!.get()
    }

    // MARK: Reading

    /// Reads until the next chunk not received before (returned) or the terminal frame (`nil`, or its error).
    private func readChunk() async throws -> JSONBytes? {
        while true {
            if let outcome { _ = try outcome.get(); return nil }
            try Task.checkCancellation()
            guard var current = connection.take() else {
                connection = try await reconnect()
                continue
            }
            let event: StreamConnection.Event
            do {
                event = try await current.next()
            } catch let error as FlowClientError {
                throw finish(with: error)
            } catch {
                if Task.isCancelled { throw CancellationError() }
                try lost(because: error)
                continue
            }
            switch event {
            case .chunk(let index, let chunk):
                connection = current
                if index < received { continue }  // Already received: a server without offsets replays.
                guard index == received else {
                    throw finish(with: .invalidResponse("The stream skipped from chunk \(received) to chunk \(index)."))
                }
                received += 1
                attemptsWithoutProgress = 0
                return chunk
            case .comment:
                connection = current
                attemptsWithoutProgress = 0
            case .terminal(let result):
                outcome = result
            case .end:
                try lost(because: nil)
            }
        }
    }

    /// The connection ended before the terminal frame: resume next, or fail when that is not possible.
    private func lost(because error: (any Error)?) throws {
        let reason = error.map { ": \(String(describing: $0))" } ?? ""
        guard client.configuration.autoResume else {
            throw finish(with: .connectionLost("The stream ended before its terminal frame (auto-resume is off)\(reason)."))
        }
        guard streamID != nil else {
            throw finish(with: .connectionLost(
                "The stream ended before its terminal frame, and the server gave no stream id to resume it with\(reason)."))
        }
        client.logger.debug("stream connection lost; resuming", metadata: [
            "flowstreams.stream.id": "\(streamID?.rawValue ?? "")", "flowstreams.chunks.received": "\(received)",
        ])
    }

    /// Opens a new connection for a resume after the last chunk received, with backoff between attempts.
    private func reconnect() async throws -> StreamConnection {
        guard let streamID else {
            throw finish(with: .connectionLost("The stream was left before its end and has no id to resume it with."))
        }
        let configuration = client.configuration
        let limit = configuration.autoResume ? configuration.maxResumeAttempts : 1
        var lastFailure: FlowClientError?
        while true {
            attemptsWithoutProgress += 1
            guard attemptsWithoutProgress <= limit else {
                // The last attempt's cause, when it failed to connect: `… (the last: could not connect to … (connection refused))`.
                let cause = lastFailure.map { " (the last: \($0.message))" } ?? ""
                throw finish(with: .connectionLost(
                    "The stream could not be resumed: \(limit) attempts in a row brought no new chunk\(cause)."))
            }
            try await Task.sleep(for: configuration.backoff(attempt: attemptsWithoutProgress))
            do {
                return try await connect(streamID: streamID, lastIndex: received - 1)
            } catch let error as FlowClientError where error.allowsRetry {
                lastFailure = error
                client.logger.debug("resume attempt failed", metadata: [
                    "flowstreams.stream.id": "\(streamID.rawValue)", "flowstreams.attempt": "\(attemptsWithoutProgress)",
                ])
            } catch let error as FlowClientError {
                throw finish(with: error)
            }
        }
    }

    /// Sends a streaming request and checks its head.
    private func connect(streamID requested: StreamID?, lastIndex: Int?) async throws -> StreamConnection {
        let request = FlowClient.streamRequest(
            url: url, body: requestBody, headers: headers, streamID: requested, lastIndex: lastIndex)
        let response = try await client.execute(request, timeout: client.configuration.headTimeout)
        let code = Int(response.status.code)
        switch code {
        case 200:
            break
        case 204:
            throw FlowClientError.streamNotFound
        default:
            throw FlowClientError.fromHTTPAnswer(status: code, body: (try? await client.collect(response.body)) ?? [])
        }
        let contentType = response.headers.first(name: "content-type") ?? ""
        guard contentType.lowercased().hasPrefix("text/event-stream") else {
            throw FlowClientError.invalidResponse("The answer is \(contentType), not an event stream.", httpStatus: code)
        }
        if let id = response.headers.first(name: FlowHeaders.streamID).flatMap(StreamID.init) {
            streamID = id
        }
        // Without the offset header the server replays from the first chunk (Genkit, or extensions off):
        // the chunks already received are then skipped here.
        let firstIndex = response.headers.first(name: FlowHeaders.streamOffset).flatMap { Int($0) } ?? 0
        guard firstIndex <= received else {
            throw FlowClientError.invalidResponse(
                "The server resumed at chunk \(firstIndex), after the \(received) chunks received.", httpStatus: code)
        }
        return StreamConnection(body: response.body, firstIndex: firstIndex)
    }

    /// Records a final error as the stream's outcome and returns it.
    private func finish(with error: FlowClientError) -> FlowClientError {
        outcome = .failure(error)
        connection = nil
        return error
    }

    // MARK: One reader at a time

    private func beginReading() async {
        guard reading else {
            reading = true
            return
        }
        await withCheckedContinuation { waitingReaders.append($0) }
    }

    private func endReading() {
        if waitingReaders.isEmpty {
            reading = false
        } else {
            waitingReaders.removeFirst().resume()
        }
    }
}
