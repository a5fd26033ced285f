/// One `data:` payload of a streamed chat completion, as OpenAI, vLLM, llama.cpp's server and
/// Ollama send it (`"object": "chat.completion.chunk"`); only the fields the flow reads.
///
/// ```text
/// data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}
/// data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}
/// data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
/// data: [DONE]
/// ```
struct ChatCompletionChunk: Decodable {
    struct Choice: Decodable {
        var index: Int?
        var delta: Delta?
        var finishReason: String?

        enum CodingKeys: String, CodingKey {
            case index, delta
            case finishReason = "finish_reason"
        }
    }

    struct Delta: Decodable {
        var role: String?
        var content: String?
    }

    var choices: [Choice]?
    /// Set instead of `choices` when the server fails in the middle of the answer.
    var error: UpstreamError?
}

/// The error object of the chat-completions API, in an error response's body
/// (`{"error": {...}}`) or in a `data:` payload of a stream.
struct UpstreamError: Decodable {
    var message: String?
    var type: String?
    /// A string (`"invalid_api_key"`) at OpenAI, a number (`500`) at llama.cpp's server, or absent.
    var code: String?

    enum CodingKeys: String, CodingKey {
        case message, type, code
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        message = try? container.decodeIfPresent(String.self, forKey: .message)
        type = try? container.decodeIfPresent(String.self, forKey: .type)
        if let text = try? container.decodeIfPresent(String.self, forKey: .code) {
            code = text
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .code) {
            code = String(number)
        }
    }

    /// `type` or `code` when it is a short identifier (`invalid_api_key`, `context_length_exceeded`):
    /// safe to show the caller, unlike `message`, which may quote the request or the key.
    var identifier: String? {
        [code, type].compactMap { $0 }.first { text in
            (1...64).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        }
    }
}

/// The body of an error response: `{"error": {"message": ..., "type": ..., "code": ...}}`.
struct UpstreamErrorBody: Decodable {
    var error: UpstreamError?
}

/// The body of a chat-completions request (`stream: true`).
struct ChatCompletionRequest: Encodable {
    var model: String
    var messages: [ChatMessage]
    var stream = true
}
