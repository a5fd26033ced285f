import FlowStreams

/// The input of the `chat` flow: the conversation so far, ending with the user's new message.
///
/// ```json
/// {"messages": [{"role": "user", "content": "Why is the sky blue?"}]}
/// ```
struct ChatRequest: Codable, Sendable {
    var messages: [ChatMessage]

    /// The most messages one request may carry.
    static let maximumMessages = 100
    /// The most characters of all messages together (about 25,000 tokens of English).
    static let maximumCharacters = 100_000

    /// Refuses a conversation the model should never be sent.
    /// - Throws: `INVALID_ARGUMENT` naming the field: no messages or too many, an unknown role,
    ///   an empty message, too much text, or a last message that is not the user's.
    func validate() throws(FlowError) {
        guard !messages.isEmpty else { throw Self.invalid("data.messages must hold at least one message.") }
        guard messages.count <= Self.maximumMessages else {
            throw Self.invalid("data.messages holds \(messages.count) messages; at most \(Self.maximumMessages) are allowed.")
        }
        var characters = 0
        for (index, message) in messages.enumerated() {
            guard ChatMessage.roles.contains(message.role) else {
                throw Self.invalid("data.messages[\(index)].role must be system, user or assistant.")
            }
            guard message.content.contains(where: { !$0.isWhitespace }) else {
                throw Self.invalid("data.messages[\(index)].content is empty.")
            }
            characters += message.content.count
        }
        guard characters <= Self.maximumCharacters else {
            throw Self.invalid("data.messages hold \(characters) characters; at most \(Self.maximumCharacters) are allowed.")
        }
        guard messages.last?.role == "user" else {
            throw Self.invalid("data.messages[\(messages.count - 1)] must be the user's message (role user).")
        }
    }

    private static func invalid(_ message: String) -> FlowError {
        FlowError(status: .invalidArgument, message: message)
    }
}

/// One message of a conversation, as the chat-completions API takes it.
struct ChatMessage: Codable, Sendable, Hashable {
    /// `system`, `user` or `assistant`.
    var role: String
    var content: String

    static let roles: Set<String> = ["system", "user", "assistant"]
}

/// The output of the `chat` flow: the whole answer, and why the model stopped.
struct ChatAnswer: Codable, Sendable, Hashable {
    /// Every delta, joined.
    var text: String
    /// The model's `finish_reason`: `stop`, `length` (cut at the token limit), `content_filter`, …
    var finishReason: String?
}
