import FlowStreams
import FlowStreamsClient
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// docs/CONFORMANCE.md C36 and C39, the issue's proxy test, leaving (C20) and cancelling (C41) a stream from the client.
@Suite("FlowClient resumes")
struct ResumeTests {
    typealias Count = Fixtures.Count

    /// A raw server whose every answer is a 200 SSE head, two chunk frames, then the end of the connection.
    private static func cuttingServer(contentLength: Bool) -> @Sendable (RawRequest, RawResponseWriter) async throws -> Void {
        { _, writer in
            var headers = ["x-genkit-stream-id": "always-cut"]
            if contentLength { headers["content-length"] = "100000" }
            try await writer.writeSSEHead(extraHeaders: headers)
            try await writer.write("data: {\"message\":0}\n\ndata: {\"message\":1}\n\n")
        }
    }

    @Test("C36 with auto-resume off, a response that ends without its terminal frame fails promptly (within seconds, no hang)",
          arguments: [false, true])
    func endWithoutTerminalFailsPromptly(contentLength: Bool) async throws {
        try await withRawHTTPServer(Self.cuttingServer(contentLength: contentLength)) { port, log in
            try await withTestClient(configure: { $0.autoResume = false }) { client in
                let clock = ContinuousClock()
                let start = clock.now
                let stream: FlowStream<Int, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/f", input: 1)
                let (chunks, outcome) = await drain(stream)
                // Promptly: well under any read timeout, with room for a loaded CI machine.
                #expect(clock.now - start < .seconds(5))
                #expect(chunks == [0, 1])
                let error = try #require(outcome.failure as? FlowClientError)
                #expect(error.code == .connectionLost)
                #expect(error.status == .unavailable)
                #expect(log.all.count == 1)
                let request = try #require(log.all.first)
                #expect(request.headers["accept"] == "text/event-stream")
                #expect(request.headers["x-flowstreams-sse"] == "1")
                #expect(request.headers["x-genkit-stream-id"] == nil)
            }
        }
    }

    @Test("C36 with auto-resume on, a server that always cuts makes the client give up after the retry limit")
    func givesUpAfterRetryLimit() async throws {
        try await withRawHTTPServer(Self.cuttingServer(contentLength: false)) { port, log in
            try await withTestClient(configure: { $0.maxResumeAttempts = 4 }) { client in
                let stream: FlowStream<Int, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/f", input: 1)
                let (chunks, outcome) = try await withTimeout(.seconds(10)) { await drain(stream) }
                #expect(chunks == [0, 1], "the replayed chunks are not delivered twice")
                let error = try #require(outcome.failure as? FlowClientError)
                #expect(error.code == .connectionLost)
                #expect(error.message.contains("4 attempts"))
                let requests = log.all
                #expect(requests.count == 5)
                for resume in requests.dropFirst() {
                    #expect(resume.headers["x-genkit-stream-id"] == "always-cut")
                    #expect(resume.headers["last-event-id"] == "1")
                    #expect(resume.body == Array(#"{"data":1}"#.utf8))
                }
            }
        }
    }

    @Test("C36 auto-resume through a proxy that cuts connections delivers 200 chunks exactly once")
    func proxyCuts200Chunks() async throws {
        let seed = ProcessInfo.processInfo.environment["FLOWSTREAMS_PROXY_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64.max)
        print("C36 proxy test seed: \(seed) (set FLOWSTREAMS_PROXY_SEED to repeat)")
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter(delay: .milliseconds(3))) }) { port in
            let budget: @Sendable (Int, inout SplitMix64) -> Int = { _, generator in Int.random(in: 1...2_000, using: &generator) }
            try await withCuttingProxy(to: port, seed: seed, budget: budget) { proxyPort, stats in
                try await withTestClient(configure: { $0.maxResumeAttempts = 30 }) { client in
                    let stream: FlowStream<Count, String> = try await Self.startThroughProxy(client, port: proxyPort, input: 200)
                    let (counts, outcome) = try await withTimeout(.seconds(60)) { await drain(stream) }
                    #expect(counts == (0..<200).map(Count.init), "seed \(seed)")
                    #expect(try outcome.get() == "done: 200, streamed: 200 times", "seed \(seed)")
                    #expect(stats.cuts >= 2, "the proxy cut \(stats.cuts) times (seed \(seed))")
                    print("C36 proxy test: \(stats.connections) connections, \(stats.cuts) cuts (seed \(seed))")
                }
            }
        }
    }

    @Test("C39 against a server without the extensions, a resumed stream still delivers each chunk exactly once")
    func resumeWithoutExtensions() async throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("C39 proxy test seed: \(seed)")
        try await withFlowServer(configure: { $0.extensionsEnabled = false },
                                 flows: { $0.addFlow(Fixtures.counter(delay: .milliseconds(3))) }) { port in
            // Each resume replays the stream from its start, so a connection must be able to carry all of it:
            // the first one is cut mid-stream, the second maybe, later ones not.
            let budget: @Sendable (Int, inout SplitMix64) -> Int = { connection, generator in
                switch connection {
                case 0: Int.random(in: 400...900, using: &generator)
                case 1: Int.random(in: 300...1_500, using: &generator)
                default: Int.max
                }
            }
            try await withCuttingProxy(to: port, seed: seed, budget: budget) { proxyPort, stats in
                try await withTestClient(configure: { $0.maxResumeAttempts = 30 }) { client in
                    let stream: FlowStream<Count, String> = try await Self.startThroughProxy(client, port: proxyPort, input: 30)
                    let (counts, outcome) = try await withTimeout(.seconds(60)) { await drain(stream) }
                    #expect(counts == (0..<30).map(Count.init), "seed \(seed)")
                    #expect(try outcome.get() == "done: 30, streamed: 30 times", "seed \(seed)")
                    #expect(stats.cuts >= 1, "seed \(seed)")
                }
            }
        }
    }

    @Test("C39 a resume answered without x-genkit-stream-offset skips the chunks already delivered")
    func skipsWithoutOffsetHeader() async throws {
        // First answer: chunks 0 and 1, then the end. Resumes: the whole stream from chunk 0 (as Genkit does).
        try await withRawHTTPServer({ request, writer in
            try await writer.writeSSEHead(extraHeaders: ["x-genkit-stream-id": "genkit-like"])
            if request.headers["x-genkit-stream-id"] == nil {
                try await writer.write("data: {\"message\":0}\n\ndata: {\"message\":1}\n\n")
            } else {
                try await writer.write("data: {\"message\":0}\n\ndata: {\"message\":1}\n\ndata: {\"message\":2}\n\ndata: {\"result\":\"r\"}\n\n")
            }
        }) { port, log in
            try await withTestClient { client in
                let stream: FlowStream<Int, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/f", input: 3)
                let (chunks, outcome) = await drain(stream)
                #expect(chunks == [0, 1, 2])
                #expect(try outcome.get() == "r")
                #expect(log.all.map { $0.headers["last-event-id"] } == [nil, "1"])
            }
        }
    }

    @Test("C20 leaving a stream (cancelling the reading task) closes the connection; the run goes on and reading again resumes it")
    func leavingDoesNotCancel() async throws {
        let gate = Gate()
        let gated = Flow<Int, String, Count>("gated") { count, context in
            for index in 0..<count {
                if index == 2 { await gate.wait() }
                try await context.sendChunk(Count(count: index))
            }
            return "finished"
        }
        try await withFlowServer(flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            try await withTestClient { client in
                let stream: FlowStream<Count, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/gated", input: 4)
                let sawTwo = Gate()
                let firstTwo = Task {
                    var seen: [Count] = []
                    for try await chunk in stream.chunks {
                        seen.append(chunk)
                        if seen.count == 2 { break }
                    }
                    sawTwo.open()
                    // Now waiting for chunk 2, which the gate holds: the cancel ends this read.
                    _ = try await stream.output
                    return seen
                }
                await sawTwo.wait()
                firstTwo.cancel()
                await #expect(throws: CancellationError.self) { try await firstTwo.value }
                gate.open()
                // The run went on; the same stream resumes where it stopped.
                let (rest, output) = await drain(stream)
                #expect(rest == [Count(count: 2), Count(count: 3)])
                #expect(try output.get() == "finished")
            }
        }
    }

    @Test("C41 cancel() sends the DELETE: 202 cancels a running stream, 204 when finished, NOT_FOUND when unknown")
    func cancelStream() async throws {
        let gate = Gate()
        let gated = Flow<Int, String, Count>("gated") { _, context in
            try await context.sendChunk(Count(count: 0))
            await gate.wait()
            return "never"
        }
        try await withFlowServer(flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            try await withTestClient { client in
                let url = "http://127.0.0.1:\(port)/gated"
                let stream: FlowStream<Count, String> = try await client.streamFlow(url: url, input: 1)
                var iterator = stream.chunks.makeAsyncIterator()
                #expect(try await iterator.next() == Count(count: 0))
                #expect(try await stream.cancel() == .cancelled)
                let error = try await #require(throws: FlowClientError.self) { try await stream.output }
                #expect(error.status == .cancelled && error.message == "Stream cancelled.")
                #expect(try await client.cancel(url: url + "?stream=true", streamID: try #require(stream.streamID)) == .alreadyFinished)
                let unknown = try await #require(throws: FlowClientError.self) {
                    try await client.cancel(url: url, streamID: StreamID("no-such-stream")!)
                }
                #expect(unknown.status == .notFound)
            }
        }
    }

    private static func startThroughProxy<Chunk: Decodable & Sendable, Output: Decodable & Sendable>(
        _ client: FlowClient, port: Int, input: Int
    ) async throws -> FlowStream<Chunk, Output> {
        // The proxy may also cut the very first answer before its head: starting a run is not retried by
        // the client (it is not idempotent), so the test retries until a head arrives.
        var lastError: (any Error)?
        for _ in 0..<20 {
            do {
                return try await client.streamFlow(url: "http://127.0.0.1:\(port)/counter", input: input)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? TestSupportError("no stream")
    }
}
