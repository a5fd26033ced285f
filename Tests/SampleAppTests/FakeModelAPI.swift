import Foundation
import NIOCore
import NIOPosix
import Synchronization
import TestSupport

/// A loopback HTTP/1.1 server that answers `POST /v1/chat/completions` the way OpenAI's API streams
/// (`Transfer-Encoding: chunked`, `text/event-stream`, a role delta, content deltas, a
/// `finish_reason`, `data: [DONE]`), or fails as scripted: an error status with OpenAI's error body,
/// an error event mid-answer, a stall, a body that ends early.
///
/// Every connection is recorded: the request, how many steps of its script were written, and
/// whether the peer closed the connection before the script was done (a cancelled request).
///
/// ```swift
/// try await withFakeModelAPI({ _ in FakeModelAPI.answer(["Hel", "lo"]) }) { api in
///     // OPENAI_BASE_URL = api.baseURL
/// }
/// ```
final class FakeModelAPI: Sendable {
    /// One thing the server does on a connection, in order.
    enum Step: Sendable {
        /// The response head (`Transfer-Encoding: chunked`, `Connection: close`).
        case head(status: Int, contentType: String)
        /// One SSE event, `data: <payload>\n\n`, in its own HTTP chunk.
        case data(String)
        /// Bytes as they are (an error body), in one HTTP chunk.
        case body(String)
        case pause(Duration)
        /// Sends nothing more; waits until the peer closes the connection.
        case stall
        /// The last HTTP chunk (`0\r\n\r\n`); the connection then closes.
        case end
    }

    /// What one connection saw.
    struct Exchange: Sendable {
        var method = ""
        var path = ""
        /// Header names lower-cased.
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var stepsWritten = 0
        var stepCount = 0
        /// The peer closed the connection before every step was written.
        var closedByPeerEarly = false
        var closed = false

        var bodyJSON: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
        }
    }

    let port: Int
    private let exchanges = Mutex<[Exchange]>([])

    fileprivate init(port: Int) { self.port = port }

    /// The base URL to give the sample as `OPENAI_BASE_URL`.
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Every connection so far, in the order they were accepted.
    var all: [Exchange] { exchanges.withLock { $0 } }

    fileprivate func record(_ index: Int, _ change: (inout Exchange) -> Void) {
        exchanges.withLock { change(&$0[index]) }
    }

    fileprivate func add(_ exchange: Exchange) -> Int {
        exchanges.withLock { all in
            all.append(exchange)
            return all.count - 1
        }
    }

    // MARK: Scripts

    static let model = "fake-model"

    /// A chunk as OpenAI writes it, with `choices[0]` given as JSON.
    static func chunk(_ choice: String) -> String {
        #"{"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1700000000,"model":"\#(model)","system_fingerprint":"fp_fake","choices":[\#(choice)]}"#
    }

    static let roleDelta = chunk(#"{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}"#)

    static func contentDelta(_ text: String) -> String {
        let escaped = String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
        return chunk(#"{"index":0,"delta":{"content":\#(escaped)},"logprobs":null,"finish_reason":null}"#)
    }

    static func finish(_ reason: String) -> String {
        chunk(#"{"index":0,"delta":{},"logprobs":null,"finish_reason":"\#(reason)"}"#)
    }

    static let sseHead = Step.head(status: 200, contentType: "text/event-stream; charset=utf-8")

    /// A whole answer: head, role delta, one delta per token (`every` apart), `finish_reason`, `[DONE]`.
    static func answer(_ tokens: [String], every pause: Duration = .zero, finishReason: String = "stop") -> [Step] {
        var steps: [Step] = [sseHead, .data(roleDelta)]
        for token in tokens {
            if pause > .zero { steps.append(.pause(pause)) }
            steps.append(.data(contentDelta(token)))
        }
        return steps + [.data(finish(finishReason)), .data("[DONE]"), .end]
    }

    /// An error answer with OpenAI's error body.
    static func failure(status: Int, message: String, type: String, code: String?) -> [Step] {
        let codeJSON = code.map { "\"\($0)\"" } ?? "null"
        let body = #"{"error":{"message":"\#(message)","type":"\#(type)","param":null,"code":\#(codeJSON)}}"#
        return [.head(status: status, contentType: "application/json"), .body(body), .end]
    }
}

/// Runs a ``FakeModelAPI`` on an ephemeral loopback port for the duration of `body`.
/// - Parameters:
///   - script: The steps for each request, chosen from the request (method, path, headers, body).
///   - body: The test, given the server.
func withFakeModelAPI<T: Sendable>(
    _ script: @escaping @Sendable (FakeModelAPI.Exchange) -> [FakeModelAPI.Step],
    _ body: (FakeModelAPI) async throws -> T
) async throws -> T {
    let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .bind(host: "127.0.0.1", port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
    let api = FakeModelAPI(port: listener.channel.localAddress?.port ?? 0)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            try await listener.executeThenClose { connections in
                await withDiscardingTaskGroup { handlers in
                    do {
                        for try await connection in connections {
                            handlers.addTask { try? await serve(connection, api: api, script: script) }
                        }
                    } catch {
                        // Cancelled: the test is over.
                    }
                }
            }
        }
        defer { group.cancelAll() }
        return try await body(api)
    }
}

private func serve(
    _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>,
    api: FakeModelAPI,
    script: @Sendable (FakeModelAPI.Exchange) -> [FakeModelAPI.Step]
) async throws {
    let channel = connection.channel
    try await connection.executeThenClose { inbound, outbound in
        guard let request = try await readRequest(inbound) else { return }
        let steps = script(request)
        var exchange = request
        exchange.stepCount = steps.count
        let index = api.add(exchange)
        channel.closeFuture.whenComplete { _ in
            api.record(index) { exchange in
                exchange.closed = true
                if exchange.stepsWritten < exchange.stepCount { exchange.closedByPeerEarly = true }
            }
        }
        for step in steps {
            switch step {
            case .head(let status, let contentType):
                try await outbound.write(ByteBuffer(string:
                    "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\ncontent-type: \(contentType)\r\n"
                    + "transfer-encoding: chunked\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n"))
            case .data(let payload):
                try await outbound.write(httpChunk("data: \(payload)\n\n"))
            case .body(let text):
                try await outbound.write(httpChunk(text))
            case .pause(let duration):
                try await Task.sleep(for: duration)
            case .stall:
                try? await channel.closeFuture.get()
                return
            case .end:
                try await outbound.write(ByteBuffer(string: "0\r\n\r\n"))
            }
            api.record(index) { $0.stepsWritten += 1 }
        }
    }
}

private func httpChunk(_ text: String) -> ByteBuffer {
    ByteBuffer(string: String(text.utf8.count, radix: 16) + "\r\n" + text + "\r\n")
}

/// Reads one request (head and `Content-Length` body); `nil` when the peer closed first.
private func readRequest(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async throws -> FakeModelAPI.Exchange? {
    var received: [UInt8] = []
    var iterator = inbound.makeAsyncIterator()
    var headEnd: Int?
    while headEnd == nil {
        guard let buffer = try await iterator.next() else { return nil }
        received += buffer.readableBytesView
        headEnd = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
    }
    guard let headEnd else { return nil }
    let lines = String(decoding: received[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
    let requestLine = lines[0].split(separator: " ")
    var exchange = FakeModelAPI.Exchange()
    exchange.method = requestLine.first.map(String.init) ?? ""
    exchange.path = requestLine.dropFirst().first.map(String.init) ?? ""
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        exchange.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }
    let length = exchange.headers["content-length"].flatMap { Int($0) } ?? 0
    while received.count - headEnd < length {
        guard let buffer = try await iterator.next() else { return nil }
        received += buffer.readableBytesView
    }
    exchange.body = Array(received[headEnd..<(headEnd + length)])
    return exchange
}
