// swift-format-ignore-file
// README.md, section "The flow": made by scripts/readme-snippets, do not edit.

import AsyncHTTPClient
import FlowStreams
import Foundation
import NIOCore
import NIOHTTP1

struct Message: Codable, Sendable { var role: String; var content: String }
struct Conversation: Codable, Sendable { var messages: [Message] }
struct Completion: Encodable { var model = "gpt-4o-mini"; var messages: [Message]; var stream = true }
struct Chunk: Decodable {
    struct Choice: Decodable { struct Delta: Decodable { var content: String? }; var delta: Delta? }
    var choices: [Choice]?
}

let apiKey = ProcessInfo.processInfo.environment["OPENAI_API_KEY"] ?? ""

let chat = Flow("chat") { (input: Conversation, context: FlowContext<String>) in
    guard input.messages.last?.role == "user" else {
        throw FlowError(status: .invalidArgument, message: "data.messages must end with the user's message.")
    }
    var request = HTTPClientRequest(url: "https://api.openai.com/v1/chat/completions")
    request.method = .POST
    request.headers.add(name: "Authorization", value: "Bearer \(apiKey)")
    request.headers.add(name: "Content-Type", value: "application/json")
    request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(Completion(messages: input.messages))))
    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
    guard response.status == .ok else {
        throw FlowError(status: .unavailable, message: "The model API answered HTTP \(response.status.code).")
    }
    var parser = SSEParser()
    var answer = ""
    for try await buffer in response.body {             // cancelling the flow's task cancels this request
        for case .event(let event) in parser.push(buffer.readableBytesView) where event.data != "[DONE]" {
            let chunk = try JSONDecoder().decode(Chunk.self, from: Data(event.data.utf8))
            if let delta = chunk.choices?.first?.delta?.content, !delta.isEmpty {
                answer += delta
                try await context.sendChunk(delta)          // stored, then sent to every reader
            }
        }
    }
    return answer
}
