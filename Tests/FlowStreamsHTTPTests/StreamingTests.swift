import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// docs/CONFORMANCE.md "Streaming" (C10–C13) and C19, over real sockets against live servers.
@Suite("Streaming")
struct StreamingTests {
    // MARK: C10 frames

    @Test("C10 streamingEcho streamed: exact frames and headers", arguments: Framework.allCases, [true, false])
    func streamingEchoBytes(framework: Framework, durable: Bool) async throws {
        try await withFlowServer(framework: framework, streamManager: durable ? InMemoryStreamManager() : nil, flows: Self.mountFixtures) { port in
            let reader = try await SSEStreamReader.open(port: port, path: "/streamingEcho", body: #"{"data":"olleh"}"#)
            let head = reader.connection.head
            #expect(head.status == 200)
            #expect(head.header("content-type") == "text/event-stream")
            #expect(head.header("cache-control") == "no-cache")
            #expect(head.header("x-accel-buffering") == "no")
            #expect(head.header("content-encoding") == nil)
            if durable {
                let id = try #require(head.header("x-genkit-stream-id"))
                #expect(Self.isLowerCaseUUIDv4(id), "stream id \(id)")
            } else {
                #expect(head.header("x-genkit-stream-id") == nil)
            }
            let frames = try await reader.remainingFrames(timeout: .seconds(10))
            #expect(frames == [
                #"data: {"message":"3"}"#, #"data: {"message":"2"}"#, #"data: {"message":"1"}"#,
                #"data: {"result":"Echo: olleh"}"#,
            ])
            #expect(Self.text(reader.rawBytes) == Self.streamingEchoOlleh)
        }
    }

    @Test("C10 the same streams run in two server processes give the same bytes (multi-key chunks sorted)")
    func twoProcessesSameBytes() async throws {
        let first = try await ChildProcess.start(product: "flowstreams-fixture-server", arguments: ["--port", "0"])
        let second = try await ChildProcess.start(product: "flowstreams-fixture-server", arguments: ["--port", "0"])
        let ports = [
            try await first.waitForListening(timeout: .seconds(10)),
            try await second.waitForListening(timeout: .seconds(10)),
        ]
        let value = #"{"alpha":{"a":"/x","b":2},"zeta":1}"#
        let requests: [(path: String, body: String, expected: String)] = [
            ("/mirror", #"{"data":{"zeta":1,"alpha":{"b":2,"a":"/x"}}}"#,
             "data: {\"message\":\(value)}\n\ndata: {\"result\":\(value)}\n\n"),
            ("/mirror", #"{"data":{"z":[{"y":true,"x":null}],"a":"é/€","m":-1.5}}"#,
             "data: {\"message\":{\"a\":\"é/€\",\"m\":-1.5,\"z\":[{\"x\":null,\"y\":true}]}}\n\n"
                + "data: {\"result\":{\"a\":\"é/€\",\"m\":-1.5,\"z\":[{\"x\":null,\"y\":true}]}}\n\n"),
            ("/streamingEcho", #"{"data":"olleh"}"#, Self.streamingEchoOlleh),
            ("/counter", #"{"data":3}"#,
             "data: {\"message\":{\"count\":0}}\n\ndata: {\"message\":{\"count\":1}}\n\n"
                + "data: {\"message\":{\"count\":2}}\n\ndata: {\"result\":\"done: 3, streamed: 3 times\"}\n\n"),
        ]
        for request in requests {
            var bodies: [String] = []
            for port in ports {
                let (head, bytes) = try await httpRequest(
                    port: port, path: request.path,
                    headers: [("Content-Type", "application/json"), ("Accept", "text/event-stream")],
                    body: request.body, timeout: .seconds(10))
                #expect(head.status == 200, "\(request.path) on port \(port)")
                bodies.append(Self.text(bytes))
            }
            #expect(bodies[0] == request.expected, "\(request.body)")
            #expect(bodies[1] == bodies[0], "\(request.body)")
        }
        try await first.stop()
        try await second.stop()
    }

    // MARK: C11 selecting streaming

    @Test("C11 ?stream=true selects streaming like Accept: text/event-stream; ?stream=false does not override it", arguments: Framework.allCases)
    func streamQueryParameter(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            // ?stream=true without Accept streams.
            let (trueHead, trueBytes) = try await Self.post(port, "/streamingEcho?stream=true", #"{"data":"olleh"}"#)
            #expect(trueHead.status == 200)
            #expect(trueHead.header("content-type") == "text/event-stream")
            #expect(trueHead.header("x-genkit-stream-id") != nil)
            #expect(Self.text(trueBytes) == Self.streamingEchoOlleh)

            // ?stream=false with the Accept header still streams.
            let (falseHead, falseBytes) = try await Self.post(
                port, "/streamingEcho?stream=false", #"{"data":"olleh"}"#, headers: [("Accept", "text/event-stream")])
            #expect(falseHead.status == 200)
            #expect(falseHead.header("content-type") == "text/event-stream")
            #expect(Self.text(falseBytes) == Self.streamingEchoOlleh)

            // Accept among other media types streams too.
            let (listHead, listBytes) = try await Self.post(
                port, "/streamingEcho", #"{"data":"olleh"}"#,
                headers: [("Accept", "application/json, text/event-stream;q=0.9")])
            #expect(listHead.header("content-type") == "text/event-stream")
            #expect(Self.text(listBytes) == Self.streamingEchoOlleh)

            // Neither: a non-streaming call.
            for path in ["/streamingEcho", "/streamingEcho?stream=false"] {
                let (head, bytes) = try await Self.post(port, path, #"{"data":"olleh"}"#)
                #expect(head.status == 200, "\(path)")
                #expect(head.header("content-type") == "application/json", "\(path)")
                #expect(Self.text(bytes) == #"{"result":"Echo: olleh"}"#, "\(path)")
            }
        }
    }

    @Test("C11 a bad ?stream= value → 400 INVALID_ARGUMENT", arguments: Framework.allCases)
    func badStreamQueryParameter(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            for query in ["maybe", "", "1", "yes"] {
                for headers in [[], [("Accept", "text/event-stream")]] {
                    let (head, bytes) = try await Self.post(
                        port, "/streamingEcho?stream=\(query)", #"{"data":"olleh"}"#, headers: headers)
                    #expect(head.status == 400, "stream=\(query) headers \(headers)")
                    #expect(head.header("content-type") == "application/json")
                    #expect(head.header("x-genkit-stream-id") == nil)
                    #expect(try FlowCallTests.errorBody(bytes).status == "INVALID_ARGUMENT", "stream=\(query)")
                }
            }
        }
    }

    // MARK: C12 failures

    @Test("C12 a streamed failure: three chunks then exactly the INTERNAL error frame", arguments: Framework.allCases, [true, false])
    func streamedFailure(framework: Framework, durable: Bool) async throws {
        try await withFlowServer(framework: framework, streamManager: durable ? InMemoryStreamManager() : nil, flows: Self.mountFixtures) { port in
            let reader = try await SSEStreamReader.open(port: port, path: "/thrower", body: #"{"data":5}"#)
            #expect(reader.connection.head.status == 200)
            #expect(reader.connection.head.header("content-type") == "text/event-stream")
            let frames = try await reader.remainingFrames(timeout: .seconds(10))
            #expect(frames.count == 4)
            #expect(Self.text(reader.rawBytes)
                == "data: {\"message\":{\"count\":0}}\n\ndata: {\"message\":{\"count\":1}}\n\n"
                + "data: {\"message\":{\"count\":2}}\n\n"
                + "data: {\"error\":{\"status\":\"INTERNAL\",\"message\":\"Internal Error\"}}\n\n")
            #expect(reader.remainder.isEmpty)
        }
    }

    // MARK: C13 falsy values

    @Test("C13 null, 0, false and \"\" chunks and outputs round-trip, streaming and not", arguments: Framework.allCases, [true, false])
    func falsyValuesRoundTrip(framework: Framework, durable: Bool) async throws {
        try await withFlowServer(framework: framework, streamManager: durable ? InMemoryStreamManager() : nil, flows: Self.mountFixtures) { port in
            for value in ["null", "0", "false", #""""#] {
                let (head, bytes) = try await Self.post(port, "/mirror", #"{"data":\#(value)}"#)
                #expect(head.status == 200, "\(value)")
                #expect(Self.text(bytes) == #"{"result":\#(value)}"#, "\(value)")

                let (streamHead, streamBytes) = try await Self.post(
                    port, "/mirror", #"{"data":\#(value)}"#, headers: [("Accept", "text/event-stream")])
                #expect(streamHead.status == 200, "\(value)")
                #expect(Self.text(streamBytes) == "data: {\"message\":\(value)}\n\ndata: {\"result\":\(value)}\n\n",
                        "\(value)")
            }
            // `{}` is no input: null.
            let (_, emptyBytes) = try await Self.post(port, "/mirror", "{}", headers: [("Accept", "text/event-stream")])
            #expect(Self.text(emptyBytes) == "data: {\"message\":null}\n\ndata: {\"result\":null}\n\n")
        }
    }

    // MARK: C19 stream id without a stream manager

    @Test("C19 a stream id header on a route without a stream manager starts a new run", arguments: Framework.allCases)
    func streamIDWithoutManager(framework: Framework) async throws {
        try await withFlowServer(framework: framework, streamManager: nil, flows: Self.mountFixtures) { port in
            for id in ["6f1c8a52-3d0e-4b7a-9c11-2f5e8d7a4b30", "non-existent-stream-id"] {
                let reader = try await SSEStreamReader.open(
                    port: port, path: "/streamingEcho", headers: [("x-genkit-stream-id", id)], body: #"{"data":"olleh"}"#)
                #expect(reader.connection.head.status == 200, "\(id)")
                #expect(reader.connection.head.header("content-type") == "text/event-stream")
                #expect(reader.connection.head.header("x-genkit-stream-id") == nil)
                _ = try await reader.remainingFrames(timeout: .seconds(10))
                #expect(Self.text(reader.rawBytes) == Self.streamingEchoOlleh, "\(id)")
            }
        }
    }

    @Test("C19 a stream id header on a non-streaming call is ignored: the flow runs", arguments: Framework.allCases)
    func streamIDOnNonStreamingCall(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: Self.mountFixtures) { port in
            let (head, bytes) = try await Self.post(
                port, "/streamingEcho", #"{"data":"olleh"}"#,
                headers: [("x-genkit-stream-id", "6f1c8a52-3d0e-4b7a-9c11-2f5e8d7a4b30")])
            #expect(head.status == 200)
            #expect(head.header("x-genkit-stream-id") == nil)
            #expect(Self.text(bytes) == #"{"result":"Echo: olleh"}"#)
        }
    }

    // MARK: Helpers

    static let streamingEchoOlleh =
        "data: {\"message\":\"3\"}\n\ndata: {\"message\":\"2\"}\n\ndata: {\"message\":\"1\"}\n\n"
        + "data: {\"result\":\"Echo: olleh\"}\n\n"

    static func mountFixtures(_ server: inout FlowMounts) {
        FlowCallTests.mountFixtures(&server)
        server.addFlow(Fixtures.counter())
    }

    static func post(
        _ port: Int, _ path: String, _ body: String, headers: [(String, String)] = []
    ) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
        try await FlowCallTests.post(port, path, body, headers: headers)
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func isLowerCaseUUIDv4(_ id: String) -> Bool {
        let parts = id.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.map(\.count) == [8, 4, 4, 4, 12] else { return false }
        guard id.allSatisfy({ $0 == "-" || ("0"..."9").contains($0) || ("a"..."f").contains($0) }) else { return false }
        return parts[2].first == "4" && "89ab".contains(parts[3].first!)
    }
}
