import AsyncHTTPClient
import FlowStreams
import FlowStreamsClient
import FlowStreamsHummingbird
import FlowStreamsTesting
import Testing
import TestSupport

/// docs/CONFORMANCE.md C33 and C40 for `runFlow`, against a live FlowServer and handwritten answers.
@Suite("FlowClient.runFlow")
struct RunFlowTests {
    @Test("C33 runFlow returns the decoded output of echo, greet and void")
    func runFlowOutput() async throws {
        try await withFlowServer(flows: {
            $0.addFlow(Fixtures.echo)
            $0.addFlow(Fixtures.greet)
            $0.addFlow(Fixtures.void)
        }) { port in
            try await withTestClient { client in
                let echo: String = try await client.runFlow(url: "http://127.0.0.1:\(port)/echo", input: "hi")
                #expect(echo == "Echo: hi")
                let greeting = try await client.runFlow(
                    url: "http://127.0.0.1:\(port)/greet", input: ["name": "Ana", "times": 2] as [String: AnyCodable],
                    output: String.self)
                #expect(greeting == "Hello, Ana ×2")
                let banana = try await client.runFlow(url: "http://127.0.0.1:\(port)/void", input: String?.none, output: String.self)
                #expect(banana == "banana")
                let raw = try await client.runFlowJSON(url: "http://127.0.0.1:\(port)/echo", input: JSONBytes(unchecked: Array(#""a/b""#.utf8)))
                #expect(raw.bytes == Array(#""Echo: a/b""#.utf8))
            }
        }
    }

    @Test("C33 a non-200 answer throws its status and message: fail fixture → INVALID_ARGUMENT, bad input, unknown path")
    func runFlowErrors() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.fail); $0.addFlow(Fixtures.echo) }) { port in
            try await withTestClient { client in
                let failure = ["status": "INVALID_ARGUMENT", "message": "a user facing error"] as [String: AnyCodable]
                let error = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: "http://127.0.0.1:\(port)/fail", input: failure, output: String.self)
                }
                #expect(error.code == .flowError)
                #expect(error.status == .invalidArgument)
                #expect(error.message == "a user facing error")
                #expect(error.httpStatus == 400)
                #expect(error.description == "INVALID_ARGUMENT: a user facing error")

                let badInput = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: "http://127.0.0.1:\(port)/echo", input: 5, output: String.self)
                }
                #expect(badInput.status == .invalidArgument)

                let missing = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: "http://127.0.0.1:\(port)/nothing-here", input: 5, output: String.self)
                }
                #expect(missing.status == .notFound)

                let wrongType = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: "http://127.0.0.1:\(port)/echo", input: "x", output: Int.self)
                }
                #expect(wrongType.code == .decodingFailed)
            }
        }
    }

    @Test("C40 runFlow's error carries the details of the error body")
    func runFlowErrorDetails() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.fail) }) { port in
            try await withTestClient { client in
                let failure = ["status": "FAILED_PRECONDITION", "message": "not yet"] as [String: AnyCodable]
                let error = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: "http://127.0.0.1:\(port)/fail", input: failure, output: String.self)
                }
                #expect(error.status == .failedPrecondition)
                #expect(error.message == "not yet")
                let details = try #require(error.details)
                #expect(try details.decode([String: String].self) == ["hint": "details survive"])
                #expect(error.flowError.details == details)
            }
        }
    }

    @Test("C33 a Genkit server answering 500 for every error: the status is read from the body")
    func statusFromBodyNotCode() async throws {
        try await withRawHTTPServer({ _, writer in
            let body = #"{"message":"bad things","status":"INVALID_ARGUMENT","details":null}"#
            try await writer.write(
                "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n\(body)")
        }) { port, log in
            try await withTestClient { client in
                let error = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: "http://127.0.0.1:\(port)/flow", input: "x", output: String.self)
                }
                #expect(error.status == .invalidArgument)
                #expect(error.message == "bad things")
                #expect(error.details == nil)
                #expect(error.httpStatus == 500)
                let request = try #require(log.all.first)
                #expect(request.method == "POST")
                #expect(request.headers["accept"] == "application/json")
                #expect(request.headers["content-type"] == "application/json")
                #expect(request.body == Array(#"{"data":"x"}"#.utf8))
            }
        }
    }

    @Test("C33 a client given an HTTPClient never shuts it down")
    func borrowedHTTPClient() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.echo) }) { port in
            let httpClient = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
            let client = FlowClient(httpClient: httpClient)
            #expect(try await client.runFlow(url: "http://127.0.0.1:\(port)/echo", input: "a", output: String.self) == "Echo: a")
            try await client.shutdown()
            let again = FlowClient(httpClient: httpClient)
            #expect(try await again.runFlow(url: "http://127.0.0.1:\(port)/echo", input: "b", output: String.self) == "Echo: b")
            try await httpClient.shutdown()
        }
    }
}

/// A JSON value for inputs of mixed types in tests.
enum AnyCodable: Encodable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case int(Int)
    init(stringLiteral value: String) { self = .string(value) }
    init(integerLiteral value: Int) { self = .int(value) }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        }
    }
}
