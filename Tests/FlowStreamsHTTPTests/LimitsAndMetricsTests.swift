import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import MetricsTestKit
import Testing
import TestSupport

@Suite("Limits and metrics")
struct LimitsAndMetricsTests {
    static let tooMany = #"{"status":"RESOURCE_EXHAUSTED","message":"Too many running streams."}"#

    static let userProvider = Fixtures.userProvider

    @Test("Limits: the global running-stream limit answers 429 RESOURCE_EXHAUSTED with Retry-After and frees up when a run ends", arguments: Framework.allCases)
    func globalLimit(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.runner.maximumRunningStreams = 2 }, flows: {
            $0.addFlow(Fixtures.counter(name: "slow", delay: .milliseconds(100)))
        }) { port in
            let first = try await SSEStreamReader.open(port: port, path: "/slow", body: #"{"data":30}"#)
            let second = try await SSEStreamReader.open(port: port, path: "/slow", body: #"{"data":30}"#)
            #expect(first.connection.head.status == 200 && second.connection.head.status == 200)
            let refused = try await httpRequest(port: port, path: "/slow",
                                                headers: [("Accept", "text/event-stream")], body: #"{"data":1}"#)
            #expect(refused.head.status == 429)
            #expect(refused.head.header("retry-after") == "1")
            #expect(String(decoding: refused.body, as: UTF8.self) == Self.tooMany)
            // Cancel one run: its place is given back.
            let id = try #require(first.connection.head.header("x-genkit-stream-id"))
            let cancel = try await httpRequest(port: port, method: "DELETE", path: "/slow/streams/\(id)", body: nil)
            #expect(cancel.head.status == 202)
            try await waitUntil(timeout: .seconds(10), "a place is free again") {
                let again = try await httpRequest(port: port, path: "/slow",
                                                  headers: [("Accept", "text/event-stream")], body: #"{"data":0}"#)
                return again.head.status == 200
            }
            await first.close()
            await second.close()
        }
    }

    @Test("Limits: the per-principal limit stops one caller, not the others", arguments: Framework.allCases)
    func perPrincipalLimit(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: { $0.runner.maximumRunningStreamsPerPrincipal = 1 }, flows: {
            $0.addFlow(Fixtures.counter(name: "slow", delay: .milliseconds(100)), contextProvider: Self.userProvider)
        }) { port in
            let alice = try await SSEStreamReader.open(port: port, path: "/slow",
                                                       headers: [("Authorization", "user-alice")], body: #"{"data":30}"#)
            #expect(alice.connection.head.status == 200)
            let aliceAgain = try await httpRequest(port: port, path: "/slow",
                headers: [("Accept", "text/event-stream"), ("Authorization", "user-alice")], body: #"{"data":1}"#)
            #expect(aliceAgain.head.status == 429)
            #expect(aliceAgain.head.header("retry-after") == "1")
            #expect(String(decoding: aliceAgain.body, as: UTF8.self) == Self.tooMany)
            let bob = try await httpRequest(port: port, path: "/slow",
                headers: [("Accept", "text/event-stream"), ("Authorization", "user-bob")], body: #"{"data":1}"#)
            #expect(bob.head.status == 200)
            #expect(String(decoding: bob.body, as: UTF8.self).hasSuffix(#"data: {"result":"done: 1, streamed: 1 times"}"# + "\n\n"))
            await alice.close()
        }
    }

    @Test("Limits: a chunk over the maximum size ends the stream with RESOURCE_EXHAUSTED \"Chunk exceeds limit.\"",
          arguments: Framework.allCases, [true, false])
    func chunkLimit(framework: Framework, durable: Bool) async throws {
        try await withFlowServer(framework: framework, streamManager: durable ? InMemoryStreamManager() : nil,
                                 configure: { $0.runner.maximumChunkBytes = 100 },
                                 flows: { $0.addFlow(Fixtures.bulk) }) { port in
            // Chunks are "i:aaa…" JSON strings: size 50 fits, size 200 does not.
            let small = try await httpRequest(port: port, path: "/bulk", headers: [("Accept", "text/event-stream")],
                                              body: #"{"data":{"chunks":2,"size":50}}"#)
            #expect(String(decoding: small.body, as: UTF8.self).hasSuffix(#"data: {"result":2}"# + "\n\n"))
            let big = try await httpRequest(port: port, path: "/bulk", headers: [("Accept", "text/event-stream")],
                                            body: #"{"data":{"chunks":2,"size":200}}"#)
            #expect(String(decoding: big.body, as: UTF8.self)
                == #"data: {"error":{"status":"RESOURCE_EXHAUSTED","message":"Chunk exceeds limit."}}"# + "\n\n")
        }
    }

    @Test("Metrics: running flows, readers, chunks, commits, resumes, cancels and 204/404 answers are counted", arguments: Framework.allCases)
    func metrics(framework: Framework) async throws {
        let metrics = TestMetrics()
        try await withFlowServer(framework: framework, configure: { $0.runner.metrics = FlowMetrics(factory: metrics) }, flows: {
            $0.addFlow(Fixtures.counter())
            $0.addFlow(Fixtures.counter(name: "slow", delay: .milliseconds(100)))
        }) { port in
            let sse: [(String, String)] = [("Accept", "text/event-stream")]
            let run = try await httpRequest(port: port, path: "/counter", headers: sse, body: #"{"data":3}"#)
            let id = try #require(run.head.header("x-genkit-stream-id"))
            _ = try await httpRequest(port: port, path: "/counter", headers: sse + [("x-genkit-stream-id", id)], body: "{}")
            let unknown = try await httpRequest(port: port, path: "/counter",
                                                headers: sse + [("x-genkit-stream-id", "non-existent-stream-id")], body: "{}")
            #expect(unknown.head.status == 204)
            let slow = try await SSEStreamReader.open(port: port, path: "/slow", body: #"{"data":50}"#)
            let slowID = try #require(slow.connection.head.header("x-genkit-stream-id"))
            #expect(try await httpRequest(port: port, method: "DELETE", path: "/slow/streams/\(slowID)", body: nil).head.status == 202)
            #expect(try await httpRequest(port: port, method: "DELETE", path: "/slow/streams/unknown", body: nil).head.status == 404)
            _ = try await slow.remainingFrames()

            let labels = FlowMetrics.Label.self
            #expect(try metrics.expectCounter(labels.chunksWritten).totalValue >= 3)
            #expect(try metrics.expectTimer(labels.commitDuration).values.isEmpty == false)
            #expect(try metrics.expectCounter(labels.resumes).totalValue == 1)
            #expect(try metrics.expectCounter(labels.cancels).totalValue == 1)
            #expect(try metrics.expectCounter(labels.unknownStreamAnswers, [("status", "204")]).totalValue == 1)
            #expect(try metrics.expectCounter(labels.unknownStreamAnswers, [("status", "404")]).totalValue == 1)
            try await waitUntil(timeout: .seconds(10), "runs and readers back to zero") {
                let running = try metrics.expectMeter(labels.runningFlows).lastValue
                let readers = try metrics.expectMeter(labels.openReaders).lastValue
                return running == 0 && readers == 0
            }
        }
    }
}
