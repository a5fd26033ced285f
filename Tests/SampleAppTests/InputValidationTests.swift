import Foundation
import Testing
import TestSupport

/// Issue 17's first finding: `POST /streamy {"data":-1}` trapped in `0..<count` and ended the server
/// process. Every sample flow now checks its input first.
@Suite("Sample flows validate their input", .serialized)
struct InputValidationTests {
    static func invalidArgument(_ message: String) -> String {
        #"{"status":"INVALID_ARGUMENT","message":"\#(message)"}"#
    }

    @Test("X17 a negative or absurd count is INVALID_ARGUMENT naming data, streaming or not, and the server lives", arguments: Framework.allCases)
    func badCounts(framework: Framework) async throws {
        let server = try await SampleServer.start(framework: framework)
        for flow in ["streamy", "streamyThrowy"] {
            for count in ["-1", "10001", "\(Int.min)", "\(Int.max)"] {
                let message = "data must be from 0 to 10000, not \(count)."
                let (status, body) = try await server.call("/\(flow)", body: #"{"data":\#(count)}"#)
                #expect(status == 400, "\(flow) \(count)")
                #expect(body == Self.invalidArgument(message))
                let (head, frames) = try await server.stream("/\(flow)", body: #"{"data":\#(count)}"#)
                #expect(head.status == 200)
                #expect(frames == ["data: {\"error\":\(Self.invalidArgument(message))}"])
            }
        }
        #expect(server.process.exitStatus == nil)
        let (_, frames) = try await server.stream("/streamy", body: #"{"data":2}"#)
        #expect(frames == [#"data: {"message":{"count":0}}"#, #"data: {"message":{"count":1}}"#,
                           #"data: {"result":"done: 2, streamed: 2 times"}"#])
        #expect(try await server.stop() == 0)
    }

    static let chatCases: [(input: String, message: String)] = [
        (#"{"messages":[]}"#, "data.messages must hold at least one message."),
        (#"{"messages":[{"role":"robot","content":"hi"}]}"#, "data.messages[0].role must be system, user or assistant."),
        (#"{"messages":[{"role":"user","content":"hi"},{"role":"user","content":" \n "}]}"#, "data.messages[1].content is empty."),
        (#"{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}"#,
         "data.messages[1] must be the user's message (role user)."),
        (#"{"messages":[{"role":"user","content":"\#(String(repeating: "x", count: 100_001))"}]}"#,
         "data.messages hold 100001 characters; at most 100000 are allowed."),
        ("{\"messages\":[" + Array(repeating: #"{"role":"user","content":"hi"}"#, count: 101).joined(separator: ",") + "]}",
         "data.messages holds 101 messages; at most 100 are allowed."),
        (#"{"messages":"hi"}"#, "Invalid input at data.messages: expected Array<Any>."),
        (#"{"prompt":"hi"}"#, "Invalid input: missing field data.messages."),
    ]

    @Test("X17 chat refuses a conversation it must not send, naming the field, and asks the model API nothing")
    func badConversations() async throws {
        try await withFakeModelAPI({ _ in FakeModelAPI.answer(["never"]) }) { api in
            let server = try await SampleServer.start(environment: SampleServer.chatEnvironment(api))
            for (input, message) in Self.chatCases {
                let (status, body) = try await server.call("/chat", body: #"{"data":\#(input)}"#)
                #expect(status == 400, "\(message)")
                #expect(body == Self.invalidArgument(message))
            }
            #expect(api.all.isEmpty)
            #expect(try await server.stop() == 0)
        }
    }
}
