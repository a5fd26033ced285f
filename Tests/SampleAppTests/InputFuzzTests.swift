import Foundation
import Testing
import TestSupport

/// X17 for the sample's own flows: random JSON of every type, as input and as the whole body, to
/// every sample flow over HTTP, streaming and not; the server must answer each one and live on.
@Suite("Input fuzzing of the sample flows", .serialized)
struct InputFuzzTests {
    static let requestsPerFramework = 600
    static let flows = ["/streamy", "/streamyThrowy", "/chat"]

    @Test("X17 random JSON of every type to every sample flow: each answer is 200 or 400 INVALID_ARGUMENT, the server lives", arguments: Framework.allCases)
    func fuzz(framework: Framework) async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("input fuzz seed (\(framework)): \(seed)")
        try await withFakeModelAPI({ _ in FakeModelAPI.answer(["o", "k"]) }) { api in
            let server = try await SampleServer.start(
                framework: framework, arguments: ["--chunk-delay-ms", "0"], environment: SampleServer.chatEnvironment(api))
            var generator = RandomJSON(random: SplitMix64(seed: seed))
            var requests: [(path: String, body: String, streaming: Bool)] = []
            for index in 0..<Self.requestsPerFramework {
                let flow = Self.flows[index % Self.flows.count]
                let input = generator.random.below(3) == 0 ? generator.shaped(for: flow) : generator.value(depth: 0)
                let body = generator.random.below(8) == 0 ? input : #"{"data":\#(input)}"#
                requests.append((flow, body, generator.random.below(2) == 0))
            }
            let batch = requests
            let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
                for lane in 0..<4 {
                    group.addTask {
                        var outcomes: [Outcome] = []
                        for request in batch.enumerated().filter({ $0.offset % 4 == lane }).map(\.element) {
                            outcomes.append(try await Self.send(request, to: server))
                        }
                        return outcomes
                    }
                }
                return try await group.reduce([], +)
            }
            #expect(outcomes.compactMap(\.problem) == [], "seed \(seed)")
            let tally = Dictionary(outcomes.map { ($0.label, 1) }, uniquingKeysWith: +)
            print("input fuzz outcomes (\(framework)): \(tally.sorted { $0.key < $1.key })")
            // The generator reached every kind of answer, on every flow.
            for flow in Self.flows {
                #expect(tally["\(flow) result", default: 0] > 0, "seed \(seed): no run of \(flow) succeeded")
                #expect(tally["\(flow) INVALID_ARGUMENT", default: 0] > 0, "seed \(seed): \(flow) refused nothing")
            }
            #expect(server.process.exitStatus == nil, "seed \(seed): the server died:\n\(server.process.output.suffix(2000))")
            #expect(try await server.get("/healthz").status == 200)
            let (_, frames) = try await server.stream("/streamy", body: #"{"data":1}"#)
            #expect(frames == [#"data: {"message":{"count":0}}"#, #"data: {"result":"done: 1, streamed: 1 times"}"#])
            #expect(!server.process.output.contains("Fatal error"))
            #expect(try await server.stop() == 0)
        }
    }

    /// What one request got: a label such as `/chat result` or `/streamy INVALID_ARGUMENT`, and
    /// what was wrong with the answer, if anything.
    struct Outcome: Sendable {
        var label: String
        var problem: String?
    }

    /// Sends one request and sorts its answer.
    static func send(_ request: (path: String, body: String, streaming: Bool), to server: SampleServer) async throws -> Outcome {
        let what = "\(request.path) \(request.streaming ? "streaming" : "plain") \(request.body.prefix(200))"
        let invalid = Outcome(label: "\(request.path) INVALID_ARGUMENT")
        let result = Outcome(label: "\(request.path) result")
        let internalError = Outcome(label: "\(request.path) INTERNAL")
        if request.streaming {
            let (head, frames) = try await server.stream(request.path, body: request.body, timeout: .seconds(60))
            if head.status == 400 { return invalid }  // refused before any stream started (not JSON, not decodable)
            guard head.status == 200, let last = frames.last else {
                return Outcome(label: "unexpected", problem: "\(what): status \(head.status), \(frames.count) frames")
            }
            if last.hasPrefix(#"data: {"result""#) { return result }
            if last.hasPrefix(#"data: {"error":{"status":"INVALID_ARGUMENT""#) { return invalid }
            if request.path == "/streamyThrowy", last == #"data: {"error":{"status":"INTERNAL","message":"Internal Error"}}"# {
                return internalError
            }
            return Outcome(label: "unexpected", problem: "\(what): ended with \(last.prefix(300))")
        }
        let (status, body) = try await server.call(request.path, body: request.body, timeout: .seconds(60))
        switch status {
        case 200: return result
        case 400 where body.hasPrefix(#"{"status":"INVALID_ARGUMENT""#): return invalid
        case 500 where request.path == "/streamyThrowy" && body == #"{"status":"INTERNAL","message":"Internal Error"}"#:
            return internalError
        default: return Outcome(label: "unexpected", problem: "\(what): \(status) \(body.prefix(300))")
        }
    }
}

/// Random JSON text: every type, the numbers that break code (negative, huge, fractional, out of
/// any integer's range), odd strings, and objects shaped like the flows' inputs.
struct RandomJSON {
    var random: SplitMix64

    static let numbers = ["0", "-0", "1", "-1", "3", "10000", "10001", "-10001", "2147483648", "\(Int.max)", "\(Int.min)",
                          "9223372036854775808", "-9223372036854775809", "1e400", "-1e400", "1.5", "-2.5", "1e-300", "3.0", "1E2"]
    static let strings = [#""""#, #""hi""#, #""\u0000""#, #""😀""#, #""\ud800""#, #""-1""#, #""user""#, #""assistant""#,
                          #""system""#, #"" \n\t ""#, #""</script>""#, #""\"""#]
    static let keys = ["messages", "role", "content", "count", "data", "chunks", "size", "", "__proto__"]

    mutating func value(depth: Int) -> String {
        switch random.below(depth >= 3 ? 5 : 9) {
        case 0: return "null"
        case 1: return random.below(2) == 0 ? "true" : "false"
        case 2: return Self.numbers[random.below(Self.numbers.count)]
        case 3: return String(Int(truncatingIfNeeded: random.next()) >> random.below(64))
        case 4: return random.below(6) == 0 ? #""\#(String(repeating: "x", count: random.below(20_000)))""#
                                            : Self.strings[random.below(Self.strings.count)]
        case 5: return "[" + (0..<random.below(4)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
        case 6: return object(depth: depth)
        case 7: return conversation(depth: depth)
        default: return #"{"chunks":\#(value(depth: 3)),"size":\#(value(depth: 3))}"#
        }
    }

    mutating func object(depth: Int) -> String {
        let fields = (0..<random.below(4)).map { _ in
            "\"\(Self.keys[random.below(Self.keys.count)])\":\(value(depth: depth + 1))"
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    /// An input shaped like what `flow` takes, often valid: a count for streamy, a conversation for chat.
    mutating func shaped(for flow: String) -> String {
        if flow == "/chat" {
            let roles = ["\"system\"", "\"user\"", "\"assistant\""]
            var messages = (0..<random.below(3)).map { _ in #"{"role":\#(roles[random.below(3)]),"content":"hello"}"# }
            messages.append(random.below(4) == 0 ? #"{"role":\#(value(depth: 2)),"content":\#(value(depth: 2))}"#
                                                  : #"{"role":"user","content":"hi"}"#)
            return #"{"messages":[\#(messages.joined(separator: ","))]}"#
        }
        return random.below(2) == 0 ? String(random.below(60) - 5) : Self.numbers[random.below(Self.numbers.count)]
    }

    /// `{"messages":[{"role":…,"content":…}, …]}` with random roles and contents.
    mutating func conversation(depth: Int) -> String {
        let messages = (0..<random.below(4)).map { _ in
            let role = random.below(3) == 0 ? value(depth: depth + 2) : ["\"user\"", "\"system\"", "\"assistant\""][random.below(3)]
            return #"{"role":\#(role),"content":\#(random.below(3) == 0 ? value(depth: depth + 2) : "\"hi\"")}"#
        }
        return #"{"messages":[\#(messages.joined(separator: ","))]}"#
    }
}
