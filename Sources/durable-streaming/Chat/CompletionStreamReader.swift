import FlowStreams
import Foundation

/// Reads the body of a streamed chat completion: SSE events (parsed by ``SSEParser``) whose data
/// is a ``ChatCompletionChunk``, until `data: [DONE]`.
///
/// Keeps the text of the first choice and its finish reason; comments and other fields are ignored.
struct CompletionStreamReader {
    private var parser = SSEParser()
    private(set) var text = ""
    private(set) var finishReason: String?
    /// `data: [DONE]` arrived: the answer is complete.
    private(set) var isDone = false

    /// Feeds body bytes as they arrive.
    /// - Returns: The non-empty content deltas these bytes completed, in order.
    /// - Throws: ``FlowError`` `UNAVAILABLE` for an error event or a payload that is no chunk.
    mutating func push(_ bytes: some Sequence<UInt8>) throws(FlowError) -> [String] {
        var deltas: [String] = []
        for item in parser.push(bytes) {
            guard !isDone, case .event(let event) = item else { continue }
            if event.data == "[DONE]" {
                isDone = true
                continue
            }
            guard let chunk = try? JSONDecoder().decode(ChatCompletionChunk.self, from: Data(event.data.utf8)) else {
                throw ChatModelFailure.malformedChunk
            }
            if let error = chunk.error {
                throw ChatModelFailure.failedMidAnswer(error)
            }
            for choice in chunk.choices ?? [] where (choice.index ?? 0) == 0 {
                if let content = choice.delta?.content, !content.isEmpty {
                    text += content
                    deltas.append(content)
                }
                if let reason = choice.finishReason { finishReason = reason }
            }
        }
        return deltas
    }

    /// The answer, once the body has ended.
    /// - Throws: `UNAVAILABLE` when the body ended before `[DONE]` and before any finish reason.
    func answer() throws(FlowError) -> ChatAnswer {
        guard isDone || finishReason != nil else { throw ChatModelFailure.endedEarly }
        return ChatAnswer(text: text, finishReason: finishReason)
    }
}
