import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// docs/CONFORMANCE.md "Flow calls" (C1–C9), over real sockets against a live `FlowServer`.
@Suite("Flow calls")
struct FlowCallTests {
    // MARK: C1–C2 inputs

    @Test("C1 void with no input ({} and {\"data\": null}) returns {\"result\":\"banana\"}", arguments: Framework.allCases)
    func voidWithoutInput(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            for body in ["{}", #"{"data": null}"#, #"{"data":null}"#, " { } "] {
                let (head, bytes) = try await Self.post(port, "/void", body)
                #expect(head.status == 200, "body \(body)")
                #expect(head.header("content-type") == "application/json", "body \(body)")
                #expect(Self.text(bytes) == #"{"result":"banana"}"#, "body \(body)")
            }
        }
    }

    @Test("C2 echo with \"hello\" returns \"Echo: hello\"; an object input decodes into a Codable struct", arguments: Framework.allCases)
    func echoAndStructInput(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            let (echoHead, echoBody) = try await Self.post(port, "/echo", #"{"data":"hello"}"#)
            #expect(echoHead.status == 200)
            #expect(echoHead.header("content-type") == "application/json")
            #expect(Self.text(echoBody) == #"{"result":"Echo: hello"}"#)

            let (greetHead, greetBody) = try await Self.post(port, "/greet", #"{"data":{"times":2,"name":"Ali"}}"#)
            #expect(greetHead.status == 200)
            #expect(Self.text(greetBody) == #"{"result":"Hello, Ali ×2"}"#)
        }
    }

    // MARK: C3 undecodable input

    @Test("C3 input that does not decode to the flow's input type: 400 INVALID_ARGUMENT naming the field", arguments: Framework.allCases)
    func undecodableInputNamesTheField(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            let cases: [(path: String, body: String, field: String)] = [
                ("/greet", #"{"data":{"name":"x","times":"two"}}"#, "times"),  // wrong type
                ("/greet", #"{"data":{"name":"x"}}"#, "times"),  // missing field
                ("/greet", #"{"data":{"name":7,"times":2}}"#, "name"),  // wrong type, other field
                ("/greet", #"{"data":{"name":null,"times":2}}"#, "name"),  // null where a value is needed
            ]
            for item in cases {
                for streaming in [false, true] {
                    let headers = streaming ? [("Accept", "text/event-stream")] : []
                    let (head, bytes) = try await Self.post(port, item.path, item.body, headers: headers)
                    let label = "\(item.body) streaming=\(streaming)"
                    #expect(head.status == 400, "\(label)")
                    #expect(head.header("content-type") == "application/json", "\(label)")
                    let error = try Self.errorBody(bytes)
                    #expect(error.status == "INVALID_ARGUMENT", "\(label)")
                    #expect(error.message.contains(item.field), "\(label): message \(error.message)")
                }
            }
        }
    }

    @Test("C3 a number that does not fit an integer field (2.5, 1e40) is named, not called invalid JSON", arguments: Framework.allCases)
    func numberThatDoesNotFitNamesTheField(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            for body in [#"{"data":{"name":"x","times":2.5}}"#, #"{"data":{"name":"x","times":1e40}}"#] {
                let (head, bytes) = try await Self.post(port, "/greet", body)
                #expect(head.status == 400, "\(body)")
                let error = try Self.errorBody(bytes)
                #expect(error.status == "INVALID_ARGUMENT", "\(body)")
                #expect(error.message.contains("times"), "\(body): message \(error.message)")
                #expect(!error.message.contains("not valid JSON"), "\(body): message \(error.message)")
            }
        }
    }

    // MARK: C4 context provider

    @Test("C4 auth provider: the right header gives the flow its context; wrong or missing: 403 PERMISSION_DENIED", arguments: Framework.allCases)
    func authProvider(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            let (okHead, okBody) = try await Self.post(
                port, "/whoAmI", "{}", headers: [("Authorization", "open sesame")])
            #expect(okHead.status == 200)
            #expect(Self.text(okBody) == #"{"result":{"auth":{"user":"Ali Baba"}}}"#)

            let denied = #"{"status":"PERMISSION_DENIED","message":"not authorized"}"#
            for headers in [[("Authorization", "open barley")], [], [("Authorization", "")]] {
                for streaming in [false, true] {
                    let all = headers + (streaming ? [("Accept", "text/event-stream")] : [])
                    let (head, bytes) = try await Self.post(port, "/whoAmI", "{}", headers: all)
                    #expect(head.status == 403, "headers \(all)")
                    #expect(head.header("content-type") == "application/json", "headers \(all)")
                    #expect(head.header("x-genkit-stream-id") == nil, "headers \(all)")
                    #expect(Self.text(bytes) == denied, "headers \(all)")
                }
            }
        }
    }

    // MARK: C5–C6 errors

    @Test("C5 a flow's public status error keeps status, message and details, non-streaming and streaming",
          arguments: Framework.allCases, [true, false])
    func publicStatusError(framework: Framework, durable: Bool) async throws {
        try await withFlowServer(framework: framework, streamManager: durable ? InMemoryStreamManager() : nil, flows: Self.mountFixtures) { port in
            let request = #"{"data":{"status":"INVALID_ARGUMENT","message":"a user facing error"}}"#
            let errorJSON =
                #"{"status":"INVALID_ARGUMENT","message":"a user facing error","details":{"hint":"details survive"}}"#
            let (head, bytes) = try await Self.post(port, "/fail", request)
            #expect(head.status == 400)
            #expect(head.header("content-type") == "application/json")
            #expect(Self.text(bytes) == errorJSON)

            let (streamHead, streamBytes) = try await Self.post(
                port, "/fail", request, headers: [("Accept", "text/event-stream")])
            #expect(streamHead.status == 200)
            #expect(streamHead.header("content-type") == "text/event-stream")
            #expect(Self.text(streamBytes) == "data: {\"error\":\(errorJSON)}\n\n")

            // Other statuses keep their HTTP code; chunks sent before the error come first.
            let notFound = #"{"data":{"status":"NOT_FOUND","message":"no such thing","chunks":2}}"#
            let (notFoundHead, notFoundBytes) = try await Self.post(port, "/fail", notFound)
            #expect(notFoundHead.status == 404)
            #expect(Self.text(notFoundBytes)
                == #"{"status":"NOT_FOUND","message":"no such thing","details":{"hint":"details survive"}}"#)
            let (_, notFoundStream) = try await Self.post(
                port, "/fail", notFound, headers: [("Accept", "text/event-stream")])
            #expect(Self.text(notFoundStream) == "data: {\"message\":0}\n\ndata: {\"message\":1}\n\n"
                + #"data: {"error":{"status":"NOT_FOUND","message":"no such thing","details":{"hint":"details survive"}}}"#
                + "\n\n")
        }
    }

    @Test("C6 any other error: 500 INTERNAL \"Internal Error\" in both modes; its text only in the server log",
          arguments: Framework.allCases, [true, false])
    func plainErrorIsInternal(framework: Framework, durable: Bool) async throws {
        let logs = LogCapture()
        try await withFlowServer(
            framework: framework,
            streamManager: durable ? InMemoryStreamManager() : nil, logs: logs, flows: Self.mountFixtures
        ) { port in
            let (head, bytes) = try await Self.post(port, "/thrower", #"{"data":5}"#)
            #expect(head.status == 500)
            #expect(head.header("content-type") == "application/json")
            #expect(Self.text(bytes) == #"{"status":"INTERNAL","message":"Internal Error"}"#)
            #expect(!Self.text(bytes).contains("whoops"))
            try await waitUntil(timeout: .seconds(10), "\"whoops\" in the server log") { logs.contains("whoops") }

            let before = logs.all.filter { $0.contains("whoops") }.count
            let (streamHead, streamBytes) = try await Self.post(
                port, "/thrower", #"{"data":5}"#, headers: [("Accept", "text/event-stream")])
            #expect(streamHead.status == 200)
            let text = Self.text(streamBytes)
            #expect(text.hasSuffix("data: {\"error\":{\"status\":\"INTERNAL\",\"message\":\"Internal Error\"}}\n\n"))
            #expect(!text.contains("whoops"))
            try await waitUntil(timeout: .seconds(10), "a second \"whoops\" in the server log") {
                logs.all.filter { $0.contains("whoops") }.count > before
            }
        }
    }

    // MARK: C7 trace ids

    @Test("C7 a non-streaming success carries non-empty hex x-genkit-trace-id and x-genkit-span-id", arguments: Framework.allCases)
    func traceAndSpanIDs(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            var traceIDs: Set<String> = []
            for _ in 0..<2 {
                let (head, _) = try await Self.post(port, "/echo", #"{"data":"hi"}"#)
                #expect(head.status == 200)
                let trace = try #require(head.header("x-genkit-trace-id"))
                let span = try #require(head.header("x-genkit-span-id"))
                for id in [trace, span] {
                    #expect(!id.isEmpty)
                    #expect(id.allSatisfy { $0.isHexDigit }, "\(id) is not hex")
                }
                traceIDs.insert(trace)
            }
            #expect(traceIDs.count == 2, "trace ids should be random: \(traceIDs)")
        }
    }

    // MARK: C8 request bodies

    @Test("C8 body not JSON → 400 INVALID_ARGUMENT; without data → 400; over the limit → 413 RESOURCE_EXHAUSTED", arguments: Framework.allCases)
    func badBodies(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.bodyLimit = 1024 }, flows: Self.mountFixtures) { port in
            for body in ["not json", #"{"data":"#, #"{"data":"hi"} trailing"#] {
                let (head, bytes) = try await Self.post(port, "/echo", body)
                #expect(head.status == 400, "body \(body)")
                #expect(head.header("content-type") == "application/json", "body \(body)")
                #expect(try Self.errorBody(bytes).status == "INVALID_ARGUMENT", "body \(body)")
            }
            for body in [#"{"input":"hi"}"#, #"{"Data":"hi"}"#] {
                let (head, bytes) = try await Self.post(port, "/echo", body)
                #expect(head.status == 400, "body \(body)")
                #expect(try Self.errorBody(bytes).status == "INVALID_ARGUMENT", "body \(body)")
            }
            // 2000 bytes against a limit of 1024, in both modes.
            let large = #"{"data":""# + String(repeating: "a", count: 2000 - 11) + #""}"#
            #expect(large.utf8.count == 2000)
            for headers in [[], [("Accept", "text/event-stream")]] {
                let (head, bytes) = try await Self.post(port, "/echo", large, headers: headers)
                #expect(head.status == 413, "headers \(headers)")
                #expect(head.header("content-type") == "application/json")
                #expect(head.header("x-genkit-stream-id") == nil)
                #expect(try Self.errorBody(bytes).status == "RESOURCE_EXHAUSTED")
            }
            // Exactly at the limit is accepted.
            let filler = String(repeating: "a", count: 1024 - 11)
            let atLimit = #"{"data":""# + filler + #""}"#
            #expect(atLimit.utf8.count == 1024)
            let (okHead, okBytes) = try await Self.post(port, "/echo", atLimit)
            #expect(okHead.status == 200)
            #expect(Self.text(okBytes) == #"{"result":"Echo: "# + filler + #""}"#)
        }
    }

    // MARK: C9 paths

    @Test("C9 a path that matches no flow → 404 NOT_FOUND JSON", arguments: Framework.allCases)
    func unknownPath(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            for (method, path) in [("POST", "/nope"), ("POST", "/echo/more"), ("POST", "/"), ("GET", "/echo"),
                                   ("POST", "/echo/streams")] {
                let (head, bytes) = try await httpRequest(
                    port: port, method: method, path: path, headers: Self.jsonHeaders, body: #"{"data":"x"}"#,
                    timeout: .seconds(10))
                #expect(head.status == 404, "\(method) \(path)")
                #expect(head.header("content-type") == "application/json", "\(method) \(path)")
                #expect(try Self.errorBody(bytes).status == "NOT_FOUND", "\(method) \(path)")
            }
        }
    }

    @Test("C9 flows are mounted by name, by explicit path, and under a prefix", arguments: Framework.allCases)
    func mounting(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: { server in
            server.addFlow(Fixtures.echo)
            server.addFlow(Fixtures.echo, path: "/custom/shout")
            server.addFlow(Fixtures.void, path: "nested/void")
        }) { port in
            for path in ["/echo", "/custom/shout"] {
                let (head, bytes) = try await Self.post(port, path, #"{"data":"x"}"#)
                #expect(head.status == 200, "\(path)")
                #expect(Self.text(bytes) == #"{"result":"Echo: x"}"#, "\(path)")
            }
            let (voidHead, voidBytes) = try await Self.post(port, "/nested/void", "{}")
            #expect(voidHead.status == 200)
            #expect(Self.text(voidBytes) == #"{"result":"banana"}"#)
            let (customHead, _) = try await Self.post(port, "/shout", #"{"data":"x"}"#)
            #expect(customHead.status == 404)
        }

        try await withFlowServer(framework: framework, configure: { $0.pathPrefix = "/api" }, flows: { server in
            server.addFlow(Fixtures.echo)
            server.addFlow(Fixtures.streamingEcho, path: "/chat")
        }) { port in
            let (head, bytes) = try await Self.post(port, "/api/echo", #"{"data":"x"}"#)
            #expect(head.status == 200)
            #expect(Self.text(bytes) == #"{"result":"Echo: x"}"#)
            let (chatHead, chatBytes) = try await Self.post(
                port, "/api/chat", #"{"data":"x"}"#, headers: [("Accept", "text/event-stream")])
            #expect(chatHead.status == 200)
            #expect(Self.text(chatBytes)
                == "data: {\"message\":\"3\"}\n\ndata: {\"message\":\"2\"}\n\ndata: {\"message\":\"1\"}\n\n"
                + "data: {\"result\":\"Echo: x\"}\n\n")
            for path in ["/echo", "/chat", "/api"] {
                let (missingHead, missingBytes) = try await Self.post(port, path, #"{"data":"x"}"#)
                #expect(missingHead.status == 404, "\(path)")
                #expect(try Self.errorBody(missingBytes).status == "NOT_FOUND", "\(path)")
            }
        }
    }

    // MARK: Helpers

    static let jsonHeaders = [("Content-Type", "application/json")]

    static func mountFixtures(_ server: inout FlowMounts) {
        server.addFlow(Fixtures.echo)
        server.addFlow(Fixtures.void)
        server.addFlow(Fixtures.greet)
        server.addFlow(Fixtures.streamingEcho)
        server.addFlow(Fixtures.thrower())
        server.addFlow(Fixtures.fail)
        server.addFlow(Fixtures.mirror)
        server.addFlow(Fixtures.whoAmI, contextProvider: Fixtures.authProvider)
    }

    /// POSTs a JSON body and reads the whole response.
    static func post(
        _ port: Int, _ path: String, _ body: String, headers: [(String, String)] = []
    ) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
        try await httpRequest(port: port, path: path, headers: jsonHeaders + headers, body: body, timeout: .seconds(10))
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    /// The `status` and `message` of an error body (fails when the body is not such JSON).
    static func errorBody(_ bytes: [UInt8]) throws -> (status: String, message: String) {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any], "not a JSON object: \(text(bytes))")
        let status = try #require(object["status"] as? String, "no status in \(text(bytes))")
        let message = try #require(object["message"] as? String, "no message in \(text(bytes))")
        return (status, message)
    }
}
