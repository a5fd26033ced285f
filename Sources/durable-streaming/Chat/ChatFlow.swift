import ArgumentParser
import FlowStreams
import Foundation
import Logging

extension SampleFlows {
    /// `chat`: a model's answer to a conversation, streamed token by token.
    ///
    /// Input `{"messages": [{"role": "user", "content": "…"}]}` (validated: ``ChatRequest/validate()``);
    /// chunks: the content deltas, as strings; output: ``ChatAnswer`` (the whole text and the
    /// finish reason). Durable like every sample flow: a reader reloads mid-answer and resumes; a
    /// `DELETE` of the stream cancels the flow's task, which cancels the model request.
    /// - Parameter model: The model API, or `nil` when none is configured: every run then fails
    ///   `FAILED_PRECONDITION`, saying which variables to set.
    static func chat(model: ChatModel?) -> Flow<ChatRequest, ChatAnswer, String> {
        Flow("chat") { request, context in
            try request.validate()
            guard let model else { throw notConfigured }
            return try await model.answer(request.messages) { delta in
                try await context.sendChunk(delta)
            }
        }
    }

    static let notConfigured = FlowError(
        status: .failedPrecondition,
        message: "No model API is configured: start the server with OPENAI_BASE_URL (and OPENAI_API_KEY, OPENAI_MODEL) set.")
}

extension ChatModel.Configuration {
    static let baseURLVariable = "OPENAI_BASE_URL"
    static let apiKeyVariable = "OPENAI_API_KEY"
    static let modelVariable = "OPENAI_MODEL"

    /// The model API the environment names: `OPENAI_BASE_URL` (default OpenAI's), `OPENAI_API_KEY`,
    /// `OPENAI_MODEL` (default `gpt-4o-mini`); `nil` when neither the URL nor the key is set.
    /// - Throws: `ValidationError` when `OPENAI_BASE_URL` is no http(s) URL.
    init?(environment: ServeEnvironment, stallTimeout: Duration) throws {
        let baseURL = environment.value(Self.baseURLVariable)
        let apiKey = environment.value(Self.apiKeyVariable)
        guard baseURL != nil || apiKey != nil else { return nil }
        self.init()
        if let baseURL {
            guard let url = URL(string: baseURL), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
                  url.host?.isEmpty == false else {
                throw ValidationError("\(Self.baseURLVariable) must be an http:// or https:// URL such as http://127.0.0.1:11434/v1, not '\(baseURL)'.")
            }
            self.baseURL = baseURL
        }
        self.apiKey = apiKey
        if let model = environment.value(Self.modelVariable) { self.model = model }
        self.stallTimeout = stallTimeout
    }
}

extension Serve {
    /// The chat flow's model API, from the environment and `--chat-stall-timeout-ms`; `nil` when none is set.
    func chatModelConfiguration() throws -> ChatModel.Configuration? {
        guard chatStallTimeoutMs > 0 else {
            throw ValidationError("--chat-stall-timeout-ms must be above 0, not \(chatStallTimeoutMs).")
        }
        return try ChatModel.Configuration(environment: environment, stallTimeout: .milliseconds(chatStallTimeoutMs))
    }

    /// Runs `body` with the configured model (or `nil`), and shuts the model's client down after it.
    func withChatModel<T>(logger: Logger, _ body: (ChatModel?) async throws -> T) async throws -> T {
        let model = try chatModelConfiguration().map { ChatModel(configuration: $0, logger: logger) }
        if let model {
            logger.info("chat: model \(model.configuration.model) at \(model.completionsURL)")
        } else {
            logger.info("chat: no model API configured (set OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL)")
        }
        do {
            let result = try await body(model)
            try await model?.shutdown()
            return result
        } catch {
            try? await model?.shutdown()
            throw error
        }
    }
}
