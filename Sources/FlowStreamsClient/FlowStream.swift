public import FlowStreamsWire

/// A streaming flow call: its stream id, its chunks, and its output.
///
/// ```swift
/// let stream: FlowStream<Count, String> = try await client.streamFlow(url: url, input: 5)
/// for try await chunk in stream.chunks { print(chunk.count) }
/// let output = try await stream.output
/// ```
///
/// Every chunk is yielded once, in order, also across reconnections: when the connection drops before the end,
/// the client resumes the stream by itself (``FlowClient/Configuration/autoResume``). Cancelling the task that
/// reads closes the connection but leaves the run going (see ``cancel(headers:)``); reading again later resumes.
/// Awaiting ``output`` before iterating ``chunks`` keeps the chunks it passes in memory, for ``chunks`` to yield.
public struct FlowStream<Chunk: Sendable, Output: Sendable>: Sendable {
    /// The id of the durable stream, from the response headers; `nil` when the server keeps no streams
    /// (plain streaming: nothing to resume).
    public let streamID: StreamID?
    /// The flow's URL.
    public var url: String { session.url }

    private let client: FlowClient
    private let session: StreamSession
    private let decodeChunk: @Sendable (JSONBytes) throws -> Chunk
    private let decodeOutput: @Sendable (JSONBytes) throws -> Output

    init(
        streamID: StreamID?,
        client: FlowClient,
        session: StreamSession,
        decodeChunk: @escaping @Sendable (JSONBytes) throws -> Chunk,
        decodeOutput: @escaping @Sendable (JSONBytes) throws -> Output
    ) {
        self.streamID = streamID
        self.client = client
        self.session = session
        self.decodeChunk = decodeChunk
        self.decodeOutput = decodeOutput
    }

    /// The chunks, decoded, in order; the sequence ends after the last one when the flow succeeded, and throws
    /// the flow's error (a ``FlowClientError``) when it failed. Iterations share one position: a second
    /// iteration goes on where the first stopped.
    public var chunks: Chunks { Chunks(session: session, decode: decodeChunk) }

    /// The flow's output, once the stream has ended.
    /// - Throws: ``FlowClientError``: the error frame's status, message and details
    ///   (``FlowClientError/Code/flowError``), ``FlowClientError/Code/connectionLost`` when the stream could not
    ///   be resumed, ``FlowClientError/Code/decodingFailed``; `CancellationError`.
    public var output: Output {
        get async throws {
            let bytes = try await session.output()
            do {
                return try decodeOutput(bytes)
            } catch {
                throw FlowClientError.decodingFailed("output", error)
            }
        }
    }

    /// Cancels the run on the server (`DELETE <url>/streams/<id>`); see ``FlowClient/cancel(url:streamID:headers:)``.
    /// - Parameter headers: Extra request headers, such as `Authorization`.
    /// - Returns: `.cancelled` when the stream was running, `.alreadyFinished` otherwise.
    /// - Throws: ``FlowClientError``: NOT_FOUND when the server keeps no such stream (also when it gave no id).
    @discardableResult
    public func cancel(headers: [String: String] = [:]) async throws -> CancelResult {
        guard let streamID else {
            throw FlowClientError(code: .flowError, status: .notFound, message: "The server gave this stream no id.")
        }
        return try await client.cancel(url: url, streamID: streamID, headers: headers)
    }
}

extension FlowStream {
    /// The chunks of a ``FlowStream``.
    public struct Chunks: AsyncSequence, Sendable {
        public typealias Element = Chunk

        let session: StreamSession
        let decode: @Sendable (JSONBytes) throws -> Chunk

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(session: session, decode: decode)
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let session: StreamSession
            let decode: @Sendable (JSONBytes) throws -> Chunk
            private var finished = false

            init(session: StreamSession, decode: @escaping @Sendable (JSONBytes) throws -> Chunk) {
                self.session = session
                self.decode = decode
            }

            /// The next chunk; `nil` after the last one.
            /// - Throws: The flow's error, or why the stream could not go on (``FlowClientError``);
            ///   `CancellationError`. The iteration ends after an error.
            public mutating func next() async throws -> Chunk? {
                guard !finished else { return nil }
                let bytes: JSONBytes?
                do {
                    bytes = try await session.nextChunk()
                } catch {
                    finished = true
                    throw error
                }
                guard let bytes else {
                    finished = true
                    return nil
                }
                do {
                    return try decode(bytes)
                } catch {
                    throw FlowClientError.decodingFailed("chunk", error)
                }
            }
        }
    }
}
