import AsyncHTTPClient
import FlowStreams
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A model behind an OpenAI-compatible chat-completions endpoint (OpenAI, vLLM, llama.cpp's
/// server, Ollama, …), asked for a streamed answer: `POST {baseURL}/chat/completions` with
/// `"stream": true`, read with FlowStreams' own ``SSEParser``.
///
/// Owns its `HTTPClient`: call ``shutdown()`` once no flow uses it any more.
///
/// ```swift
/// let model = ChatModel(configuration: .init(baseURL: "http://127.0.0.1:11434/v1", model: "llama3.2"), logger: logger)
/// let answer = try await model.answer([ChatMessage(role: "user", content: "Hi")]) { delta in print(delta, terminator: "") }
/// try await model.shutdown()
/// ```
final class ChatModel: Sendable {
    struct Configuration: Sendable {
        /// The API's base URL, up to and without `/chat/completions`. Defaults to OpenAI's.
        var baseURL = "https://api.openai.com/v1"
        /// Sent as `Authorization: Bearer <key>` when set (Ollama and llama.cpp need none).
        var apiKey: String?
        /// The model's name at that API. Defaults to `gpt-4o-mini`.
        var model = "gpt-4o-mini"
        /// How long the API may send nothing (before the head, or between two reads of the answer)
        /// before the answer ends `DEADLINE_EXCEEDED`. Defaults to 30 s.
        var stallTimeout: Duration = .seconds(30)
        /// How long connecting may take. Defaults to 10 s.
        var connectTimeout: Duration = .seconds(10)
    }

    let configuration: Configuration
    let completionsURL: String
    private let client: HTTPClient
    private let logger: Logger

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        completionsURL = base + "/chat/completions"
        self.logger = logger
        let timeout = HTTPClient.Configuration.Timeout(
            connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.stallTimeout))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(timeout: timeout))
    }

    /// Closes the client's connections.
    func shutdown() async throws {
        try await client.shutdown()
    }

    /// Asks the model to answer the conversation, streaming.
    ///
    /// Cancelling the calling task (a `DELETE` of the stream cancels the flow's task) cancels the
    /// request: its connection is closed at once, so the API stops generating (and billing) the answer.
    /// - Parameters:
    ///   - messages: The conversation, already validated.
    ///   - onDelta: Receives each non-empty content delta, in order.
    /// - Returns: The whole answer and the model's finish reason.
    /// - Throws: `CancellationError` when cancelled; a ``FlowError`` for everything the API did wrong
    ///   (see ``ChatModelFailure``); what `onDelta` throws.
    func answer(
        _ messages: [ChatMessage],
        onDelta: (String) async throws -> Void
    ) async throws -> ChatAnswer {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(
                try makeRequest(messages),
                timeout: TimeAmount(configuration.connectTimeout + configuration.stallTimeout))
        } catch {
            throw ChatModelFailure.translate(error, beforeHead: true, configuration: configuration, logger: logger)
        }
        guard response.status == .ok else {
            throw await ChatModelFailure.refusal(response, logger: logger)
        }
        var reader = CompletionStreamReader()
        do {
            for try await buffer in response.body {
                for delta in try reader.push(buffer.readableBytesView) {
                    try await onDelta(delta)
                }
                if reader.isDone { break }  // `data: [DONE]`
            }
        } catch {
            throw ChatModelFailure.translate(error, beforeHead: false, configuration: configuration, logger: logger)
        }
        return try reader.answer()
    }

    private func makeRequest(_ messages: [ChatMessage]) throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: completionsURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let apiKey = configuration.apiKey {
            request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
        }
        let body = try JSONEncoder().encode(ChatCompletionRequest(model: configuration.model, messages: messages))
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }
}
