import FlowStreams
import FlowStreamsClient
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import Testing
import TestSupport

/// docs/CONFORMANCE.md C34, C35 and C40 for `streamFlow`, against a live FlowServer.
@Suite("FlowClient.streamFlow")
struct StreamFlowTests {
    typealias Count = Fixtures.Count

    @Test("C34 streamFlow yields streamingEcho's and counter's chunks in order, then the output")
    func chunksThenOutput() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.streamingEcho); $0.addFlow(Fixtures.counter()) }) { port in
            try await withTestClient { client in
                let echo: FlowStream<String, String> = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/streamingEcho", input: "olleh")
                let (echoChunks, echoOutput) = await drain(echo)
                #expect(echoChunks == ["3", "2", "1"])
                #expect(try echoOutput.get() == "Echo: olleh")

                let counter = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/counter", input: 5, chunk: Count.self, output: String.self)
                let (counts, output) = await drain(counter)
                #expect(counts == (0..<5).map(Count.init))
                #expect(try output.get() == "done: 5, streamed: 5 times")

                let json = try await client.streamFlowJSON(
                    url: "http://127.0.0.1:\(port)/counter", input: JSONBytes(unchecked: Array("2".utf8)))
                let (jsonChunks, jsonOutput) = await drain(json)
                #expect(jsonChunks.map { String(decoding: $0.bytes, as: UTF8.self) } == [#"{"count":0}"#, #"{"count":1}"#])
                #expect(try jsonOutput.get().bytes == Array(#""done: 2, streamed: 2 times""#.utf8))
            }
        }
    }

    @Test("C34 the stream id is there as soon as the headers arrive, before the first chunk")
    func streamIDBeforeFirstChunk() async throws {
        let gate = Gate()
        let gated = Flow<Int, String, Count>("gated") { count, context in
            await gate.wait()
            for index in 0..<count { try await context.sendChunk(Count(count: index)) }
            return "opened"
        }
        try await withFlowServer(flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            try await withTestClient { client in
                let stream: FlowStream<Count, String> = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/gated", input: 2)
                let id = try #require(stream.streamID)
                #expect(id.rawValue.count == 36)
                gate.open()
                let (chunks, output) = await drain(stream)
                #expect(chunks == [Count(count: 0), Count(count: 1)])
                #expect(try output.get() == "opened")
            }
        }
    }

    @Test("C34 awaiting the output while another task iterates the chunks loses no chunk")
    func outputConcurrentWithChunks() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter(delay: .milliseconds(2))) }) { port in
            try await withTestClient { client in
                let stream: FlowStream<Count, String> = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/counter", input: 20)
                async let output = stream.output
                var counts: [Count] = []
                for try await chunk in stream.chunks { counts.append(chunk) }
                #expect(try await output == "done: 20, streamed: 20 times")
                #expect(counts == (0..<20).map(Count.init))
            }
        }
    }

    @Test("C35 streamFlow with a stream id replays a finished stream, and joins a running one")
    func resumeByID() async throws {
        let gate = Gate()
        let gated = Flow<Int, String, Count>("gated") { count, context in
            for index in 0..<count {
                if index == 2 { await gate.wait() }
                try await context.sendChunk(Count(count: index))
            }
            return "done: \(count)"
        }
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter()); $0.addFlow(gated) }) { port in
            defer { gate.open() }
            try await withTestClient { client in
                let first: FlowStream<Count, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/counter", input: 4)
                let id = try #require(first.streamID)
                _ = await drain(first)
                let replay: FlowStream<Count, String> = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/counter", input: 99, streamID: id)
                #expect(replay.streamID == id)
                let (counts, output) = await drain(replay)
                #expect(counts == (0..<4).map(Count.init))
                #expect(try output.get() == "done: 4, streamed: 4 times")

                let running: FlowStream<Count, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/gated", input: 5)
                var iterator = running.chunks.makeAsyncIterator()
                #expect(try await iterator.next() == Count(count: 0))
                let runningID = try #require(running.streamID)
                let joined: FlowStream<Count, String> = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/gated", input: 0, streamID: runningID)
                gate.open()
                let (joinedCounts, joinedOutput) = await drain(joined)
                #expect(joinedCounts == (0..<5).map(Count.init))
                #expect(try joinedOutput.get() == "done: 5")
            }
        }
    }

    @Test("C35 streamFlow with an unknown stream id throws NOT_FOUND \"Stream not found.\"")
    func unknownID() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter()) }) { port in
            try await withTestClient { client in
                for raw in [UUID().uuidString.lowercased(), "non-existent-stream-id"] {
                    let error = try await #require(throws: FlowClientError.self) {
                        try await client.streamFlow(url: "http://127.0.0.1:\(port)/counter", input: 1,
                                                    streamID: StreamID(raw), chunk: Count.self, output: String.self)
                    }
                    #expect(error.status == .notFound)
                    #expect(error.message == "Stream not found.")
                    #expect(error.httpStatus == 204)
                }
            }
        }
    }

    @Test("C40 an error frame surfaces from the chunks and the output with its status, message and details")
    func errorFrame() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.fail); $0.addFlow(Fixtures.thrower()) }) { port in
            try await withTestClient { client in
                let input: [String: AnyCodable] = ["status": "ABORTED", "message": "stop here", "chunks": 2]
                let stream: FlowStream<Int, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/fail", input: input)
                var chunks: [Int] = []
                let error = try await #require(throws: FlowClientError.self) {
                    for try await chunk in stream.chunks { chunks.append(chunk) }
                }
                #expect(chunks == [0, 1])
                #expect(error.code == .flowError)
                #expect(error.status == .aborted)
                #expect(error.message == "stop here")
                #expect(try error.details?.decode([String: String].self) == ["hint": "details survive"])
                let again = try await #require(throws: FlowClientError.self) { try await stream.output }
                #expect(again.status == .aborted && again.message == "stop here")

                let thrower: FlowStream<Count, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/thrower", input: 5)
                let (counts, outcome) = await drain(thrower)
                #expect(counts.count == 3)
                let internalError = try #require(outcome.failure as? FlowClientError)
                #expect(internalError.status == .internal && internalError.message == "Internal Error")
                #expect(internalError.details == nil)
            }
        }
    }

    @Test("C34 a hundred streams and calls in a row on one client all succeed (no stale pooled connection)")
    func manyInARow() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter()); $0.addFlow(Fixtures.echo) }) { port in
            try await withTestClient { client in
                for round in 0..<100 {
                    let stream: FlowStream<Count, String> = try await client.streamFlow(
                        url: "http://127.0.0.1:\(port)/counter", input: 2)
                    #expect(try await stream.output == "done: 2, streamed: 2 times", "round \(round)")
                    if round.isMultiple(of: 3) {
                        let echo = try await client.runFlow(url: "http://127.0.0.1:\(port)/echo", input: "\(round)", output: String.self)
                        #expect(echo == "Echo: \(round)")
                    }
                }
            }
        }
    }
}
