import Foundation
import Testing
import TestSupport

/// The sample's `chat` flow against ``FakeModelAPI``, a loopback server that streams exactly as the
/// chat-completions API does: each test starts the real sample server with `OPENAI_BASE_URL` on it.
@Suite("The chat flow against a loopback chat-completions API", .serialized)
struct ChatFlowTests {
    static let tokens = ["Hel", "lo", ",", " wörld", "!\n", "\"ok\" 😀 </tag>"]
    static let question = #"{"data":{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Say hello"}]}}"#

    /// `value` as the sample encodes chunks and outputs (sorted keys, `/` unescaped).
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self)
    }

    static func chunkFrame(_ delta: String) -> String { "data: {\"message\":\(json(delta))}" }

    static func resultFrame(_ text: String, finishReason: String = "stop") -> String {
        "data: {\"result\":\(json(["finishReason": finishReason, "text": text]))}"
    }

    static func errorFrame(_ status: String, _ message: String) -> String {
        "data: {\"error\":{\"status\":\"\(status)\",\"message\":\(json(message))}}"
    }

    @Test("chat: each content delta is one chunk (the role delta none), the output is the whole answer; the request is OpenAI's", arguments: Framework.allCases)
    func streamsDeltas(framework: Framework) async throws {
        try await withFakeModelAPI({ _ in FakeModelAPI.answer(Self.tokens) }) { api in
            let server = try await SampleServer.start(framework: framework, environment: SampleServer.chatEnvironment(api))
            let (head, frames) = try await server.stream("/chat", body: Self.question)
            #expect(head.status == 200)
            #expect(frames == Self.tokens.map(Self.chunkFrame) + [Self.resultFrame(Self.tokens.joined())])

            #expect(api.all.count == 1)
            let exchange = try #require(api.all.first)
            #expect(exchange.method == "POST")
            #expect(exchange.path == "/v1/chat/completions")
            #expect(exchange.headers["authorization"] == "Bearer sk-test-key-1234")
            #expect(exchange.headers["content-type"] == "application/json")
            #expect(exchange.headers["accept"] == "text/event-stream")
            let body = try #require(exchange.bodyJSON)
            #expect(body["model"] as? String == FakeModelAPI.model)
            #expect(body["stream"] as? Bool == true)
            let messages = try #require(body["messages"] as? [[String: String]])
            #expect(messages == [["role": "system", "content": "Be brief."], ["role": "user", "content": "Say hello"]])
            #expect(try await server.stop() == 0)
        }
    }

    @Test("X8 chat: DELETE of the stream cancels the model request; the loopback API sees its connection closed mid-answer", arguments: Framework.allCases)
    func cancelClosesUpstream(framework: Framework) async throws {
        let tokens = (0..<400).map { "t\($0) " }
        try await withFakeModelAPI({ _ in FakeModelAPI.answer(tokens, every: .milliseconds(50)) }) { api in
            let server = try await SampleServer.start(framework: framework, environment: SampleServer.chatEnvironment(api))
            let reader = try await SSEStreamReader.open(port: server.port, path: "/chat", headers: SampleServer.sse, body: Self.question)
            let id = try #require(reader.connection.head.header("x-genkit-stream-id"))
            for index in 0..<3 {
                #expect(try await reader.nextFrame() == Self.chunkFrame(tokens[index]))
            }
            #expect(api.all.first?.closed == false)

            let (cancel, _) = try await httpRequest(port: server.port, method: "DELETE", path: "/chat/streams/\(id)", body: nil)
            #expect(cancel.status == 202)
            let cancelled = ContinuousClock.now
            try await waitUntil(timeout: .seconds(5), "the model API's connection to close") { api.all.first?.closed == true }
            let closedAfter = ContinuousClock.now - cancelled
            let exchange = try #require(api.all.first)
            #expect(exchange.closedByPeerEarly, "the sample closed the model API's connection before the answer was complete")
            #expect(exchange.stepsWritten < exchange.stepCount / 2)
            #expect(closedAfter < .seconds(2))

            let rest = try await reader.remainingFrames(timeout: .seconds(10))
            #expect(rest.last == Self.errorFrame("CANCELLED", "Stream cancelled."))
            #expect(api.all.count == 1)
            #expect(try await server.stop() == 0)
        }
    }

    @Test("chat: a reader that only goes away stops nothing; the answer completes upstream and a resume gets all of it once")
    func readerLeavesAnswerGoesOn() async throws {
        let tokens = (0..<30).map { "w\($0) " }
        try await withFakeModelAPI({ _ in FakeModelAPI.answer(tokens, every: .milliseconds(20)) }) { api in
            let server = try await SampleServer.start(environment: SampleServer.chatEnvironment(api))
            let reader = try await SSEStreamReader.open(port: server.port, path: "/chat", headers: SampleServer.sse, body: Self.question)
            let id = try #require(reader.connection.head.header("x-genkit-stream-id"))
            _ = try await reader.nextFrame()
            await reader.close(reset: true)
            try await waitUntil(timeout: .seconds(10), "the answer to complete upstream") { api.all.first?.closed == true }
            #expect(api.all.first?.closedByPeerEarly == false)
            let (_, frames) = try await server.stream("/chat", body: "{}", headers: [("x-genkit-stream-id", id)])
            #expect(frames == tokens.map(Self.chunkFrame) + [Self.resultFrame(tokens.joined())])
            #expect(try await server.stop() == 0)
        }
    }

    struct Upstream: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var steps: [FakeModelAPI.Step]
        /// What the sample streams for it, after the head.
        var frames: [String]
    }

    static let upstreamCases: [Upstream] = [
        Upstream(testDescription: "401 wrong key",
                 steps: FakeModelAPI.failure(status: 401, message: "Incorrect API key provided: sk-test***1234.",
                                             type: "invalid_request_error", code: "invalid_api_key"),
                 frames: [errorFrame("FAILED_PRECONDITION", "The model API refused the server's API key (HTTP 401, invalid_api_key).")]),
        Upstream(testDescription: "404 unknown model",
                 steps: FakeModelAPI.failure(status: 404, message: "The model `x` does not exist.",
                                             type: "invalid_request_error", code: "model_not_found"),
                 frames: [errorFrame("FAILED_PRECONDITION", "The model API knows no such model or URL (HTTP 404, model_not_found).")]),
        Upstream(testDescription: "400 context too long",
                 steps: FakeModelAPI.failure(status: 400, message: "This model's maximum context length is 8 tokens.",
                                             type: "invalid_request_error", code: "context_length_exceeded"),
                 frames: [errorFrame("INVALID_ARGUMENT", "The model API refused the conversation (HTTP 400, context_length_exceeded).")]),
        Upstream(testDescription: "429 rate limit",
                 steps: FakeModelAPI.failure(status: 429, message: "Rate limit reached.", type: "requests", code: "rate_limit_exceeded"),
                 frames: [errorFrame("RESOURCE_EXHAUSTED", "The model API is rate-limiting this server (HTTP 429, rate_limit_exceeded).")]),
        Upstream(testDescription: "500 server error",
                 steps: FakeModelAPI.failure(status: 500, message: "The server had an error.", type: "server_error", code: nil),
                 frames: [errorFrame("UNAVAILABLE", "The model API failed (HTTP 500, server_error).")]),
        Upstream(testDescription: "an error event mid-answer",
                 steps: [FakeModelAPI.sseHead, .data(FakeModelAPI.roleDelta), .data(FakeModelAPI.contentDelta("Hel")),
                         .data(#"{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"#),
                         .end],
                 frames: [chunkFrame("Hel"), errorFrame("UNAVAILABLE", "The model API failed during the answer (server_error).")]),
        Upstream(testDescription: "a payload that is no chunk",
                 steps: [FakeModelAPI.sseHead, .data("not json"), .end],
                 frames: [errorFrame("UNAVAILABLE", "The model API sent something that is not a chat completion chunk.")]),
        Upstream(testDescription: "the body ends before finish_reason and [DONE]",
                 steps: [FakeModelAPI.sseHead, .data(FakeModelAPI.roleDelta), .data(FakeModelAPI.contentDelta("Hel")), .end],
                 frames: [chunkFrame("Hel"), errorFrame("UNAVAILABLE", "The model API ended the answer before it was complete.")]),
        Upstream(testDescription: "finish_reason length",
                 steps: FakeModelAPI.answer(["Hel", "lo"], finishReason: "length"),
                 frames: [chunkFrame("Hel"), chunkFrame("lo"), resultFrame("Hello", finishReason: "length")]),
    ]

    @Test("chat: what the model API does wrong becomes a clear FlowError that names no secret", arguments: upstreamCases)
    func upstreamFailures(upstream: Upstream) async throws {
        try await withFakeModelAPI({ _ in upstream.steps }) { api in
            let server = try await SampleServer.start(environment: SampleServer.chatEnvironment(api))
            let (head, frames) = try await server.stream("/chat", body: Self.question)
            #expect(head.status == 200)
            #expect(frames == upstream.frames)
            #expect(!frames.joined().contains("sk-test"))
            #expect(!frames.joined().contains("maximum context length"))
            #expect(try await server.stop() == 0)
        }
    }

    static let stalled = errorFrame("DEADLINE_EXCEEDED", "The model API sent nothing for 500 ms.")

    static let stalls: [Upstream] = [
        Upstream(testDescription: "mid-answer",
                 steps: [FakeModelAPI.sseHead, .data(FakeModelAPI.roleDelta), .data(FakeModelAPI.contentDelta("Hel")), .stall],
                 frames: [chunkFrame("Hel"), stalled]),
        Upstream(testDescription: "before the response head", steps: [.stall], frames: [stalled]),
    ]

    @Test("chat: a model API that stalls ends the answer DEADLINE_EXCEEDED after the stall timeout and its connection is closed", arguments: stalls)
    func stalledUpstream(stall: Upstream) async throws {
        try await withFakeModelAPI({ _ in stall.steps }) { api in
            let server = try await SampleServer.start(arguments: ["--chat-stall-timeout-ms", "500"],
                                                      environment: SampleServer.chatEnvironment(api))
            let started = ContinuousClock.now
            let (_, frames) = try await server.stream("/chat", body: Self.question, timeout: .seconds(20))
            let elapsed = ContinuousClock.now - started
            #expect(frames == stall.frames)
            #expect(elapsed >= .milliseconds(450))
            #expect(elapsed < .seconds(5))
            try await waitUntil(timeout: .seconds(5), "the stalled connection to close") { api.all.first?.closed == true }
            #expect(try await server.stop() == 0)
        }
    }

    @Test("chat: a model API nobody listens on is UNAVAILABLE \"Could not reach the model API.\"")
    func unreachableUpstream() async throws {
        let closedPort = try await SampleServer.freePort()
        let server = try await SampleServer.start(environment: ["OPENAI_BASE_URL": "http://127.0.0.1:\(closedPort)/v1"])
        let started = ContinuousClock.now
        let (_, frames) = try await server.stream("/chat", body: Self.question, timeout: .seconds(40))
        #expect(frames == [Self.errorFrame("UNAVAILABLE", "Could not reach the model API.")])
        print("chat: unreachable model API reported after \(ContinuousClock.now - started)")
        #expect(try await server.stop() == 0)
    }

    @Test("chat: without OPENAI_BASE_URL or OPENAI_API_KEY every run says which variables to set")
    func notConfigured() async throws {
        let server = try await SampleServer.start()
        let expected = "No model API is configured: start the server with OPENAI_BASE_URL (and OPENAI_API_KEY, OPENAI_MODEL) set."
        let (_, frames) = try await server.stream("/chat", body: Self.question)
        #expect(frames == [Self.errorFrame("FAILED_PRECONDITION", expected)])
        let (status, body) = try await server.call("/chat", body: Self.question)
        #expect(status == 400)
        #expect(body.contains(#""status":"FAILED_PRECONDITION""#))
        #expect(try await server.stop() == 0)
    }
}
