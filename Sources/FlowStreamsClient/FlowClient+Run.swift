public import FlowStreamsWire

extension FlowClient {
    /// Runs a flow and returns its output: `POST {"data":<input>}` with `Accept: application/json`.
    ///
    /// ```swift
    /// let greeting: String = try await client.runFlow(url: "http://localhost:3400/echo", input: "hi")
    /// ```
    /// - Parameters:
    ///   - url: The flow's URL.
    ///   - input: The flow's input (`nil` for a flow without input).
    ///   - headers: Extra request headers, such as `Authorization`.
    ///   - output: The output type, when the call site does not name it.
    /// - Returns: The decoded output.
    /// - Throws: ``FlowClientError``: the flow's or the server's status, message and details (read from the
    ///   error body, whatever the HTTP code); ``FlowClientError/Code/decodingFailed`` when the output does not
    ///   fit `Output`; ``FlowClientError/Code/connectionFailed``. `EncodingError` when `input` cannot be encoded.
    public func runFlow<Input: Encodable, Output: Decodable>(
        url: String,
        input: Input,
        headers: [String: String] = [:],
        output: Output.Type = Output.self
    ) async throws -> Output {
        let bytes = try await runFlowJSON(url: url, input: JSONBytes(encoding: input), headers: headers)
        do {
            return try bytes.decode(Output.self)
        } catch {
            throw FlowClientError.decodingFailed("output", error)
        }
    }

    /// Runs a flow with JSON input and returns its output as the JSON the server sent.
    /// - Parameters:
    ///   - url: The flow's URL.
    ///   - input: The input JSON (``JSONBytes/null`` for none).
    ///   - headers: Extra request headers.
    /// - Returns: The output's JSON, byte for byte.
    /// - Throws: As ``runFlow(url:input:headers:output:)``.
    public func runFlowJSON(url: String, input: JSONBytes, headers: [String: String] = [:]) async throws -> JSONBytes {
        let request = Self.postRequest(
            url: url, body: Self.requestBody(input: input), headers: headers, accept: "application/json")
        let response = try await execute(request, timeout: configuration.runTimeout)
        let body = try await collect(response.body)
        let code = Int(response.status.code)
        guard code == 200 else { throw FlowClientError.fromHTTPAnswer(status: code, body: body) }
        guard let envelope = JSONEnvelope(body) else {
            throw FlowClientError.invalidResponse("The answer is not a JSON object.", httpStatus: code)
        }
        if let output = envelope.json("result") { return output }
        if envelope["error"] != nil, let error = FlowClientError.fromErrorJSON(body, httpStatus: code) { throw error }
        throw FlowClientError.invalidResponse("The answer has no result.", httpStatus: code)
    }
}
