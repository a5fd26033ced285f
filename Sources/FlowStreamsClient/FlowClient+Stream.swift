public import FlowStreamsWire

extension FlowClient {
    /// Starts a streaming run of a flow, or resumes one, and returns once the response headers have arrived.
    ///
    /// Sends `Accept: text/event-stream` and `x-flowstreams-sse: 1`, and `x-genkit-stream-id` to resume.
    /// ```swift
    /// let stream: FlowStream<Count, String> = try await client.streamFlow(url: url, input: 5)
    /// ```
    /// - Parameters:
    ///   - url: The flow's URL.
    ///   - input: The flow's input (ignored by the server when resuming).
    ///   - streamID: A durable stream to read from its first chunk instead of starting a run.
    ///   - headers: Extra request headers, such as `Authorization`.
    ///   - chunk: The chunk type, when the call site does not name it.
    ///   - output: The output type, when the call site does not name it.
    /// - Returns: The stream: its id (``FlowStream/streamID``), chunks and output.
    /// - Throws: ``FlowClientError``: NOT_FOUND "Stream not found." when the server does not know `streamID`;
    ///   the server's status for an error answer; ``FlowClientError/Code/connectionFailed``.
    ///   `EncodingError` when `input` cannot be encoded.
    public func streamFlow<Input: Encodable, Output: Decodable & Sendable, Chunk: Decodable & Sendable>(
        url: String,
        input: Input,
        streamID: StreamID? = nil,
        headers: [String: String] = [:],
        chunk: Chunk.Type = Chunk.self,
        output: Output.Type = Output.self
    ) async throws -> FlowStream<Chunk, Output> {
        try await openStream(url: url, input: JSONBytes(encoding: input), streamID: streamID, headers: headers,
                             decodeChunk: { try $0.decode(Chunk.self) }, decodeOutput: { try $0.decode(Output.self) })
    }

    /// ``streamFlow(url:input:streamID:headers:chunk:output:)`` with JSON in and out: chunks and output are
    /// the JSON the server sent, byte for byte.
    /// - Parameters:
    ///   - url: The flow's URL.
    ///   - input: The input JSON (``JSONBytes/null`` for none).
    ///   - streamID: A durable stream to read from its first chunk instead of starting a run.
    ///   - headers: Extra request headers.
    /// - Returns: The stream.
    /// - Throws: As ``streamFlow(url:input:streamID:headers:chunk:output:)``.
    public func streamFlowJSON(
        url: String,
        input: JSONBytes = .null,
        streamID: StreamID? = nil,
        headers: [String: String] = [:]
    ) async throws -> FlowStream<JSONBytes, JSONBytes> {
        try await openStream(url: url, input: input, streamID: streamID, headers: headers,
                             decodeChunk: { $0 }, decodeOutput: { $0 })
    }

    private func openStream<Chunk, Output>(
        url: String,
        input: JSONBytes,
        streamID: StreamID?,
        headers: [String: String],
        decodeChunk: @escaping @Sendable (JSONBytes) throws -> Chunk,
        decodeOutput: @escaping @Sendable (JSONBytes) throws -> Output
    ) async throws -> FlowStream<Chunk, Output> {
        let session = StreamSession(client: self, url: url, input: input, headers: headers)
        let answeredID = try await session.start(resuming: streamID)
        return FlowStream(streamID: answeredID, client: self, session: session,
                          decodeChunk: decodeChunk, decodeOutput: decodeOutput)
    }
}
