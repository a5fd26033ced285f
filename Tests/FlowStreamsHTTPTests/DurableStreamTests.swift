import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import Synchronization
import TestSupport
import Testing

/// docs/CONFORMANCE.md C14–C22: durable streams over real sockets (in-memory stream manager).
@Suite("Durable streams over HTTP", .tags(.timers))
struct DurableStreamTests {
    // MARK: C14

    @Test("C14 x-genkit-stream-id (a lower-case UUID v4) arrives before the first chunk of a flow that sleeps first", arguments: Framework.allCases, DurableStore.allCases)
    func streamIDBeforeFirstChunk(framework: Framework, store: DurableStore) async throws {
        let sleepy = Flow<Int, String, Fixtures.Count>("sleepy") { _, context in
            try await Task.sleep(for: .seconds(2))
            try await context.sendChunk(Fixtures.Count(count: 0))
            return "awake"
        }
        try await store.withServer(framework: framework, flows: { $0.addFlow(sleepy) }) { port in
            let clock = ContinuousClock()
            let start = clock.now
            let reader = try await DurableHTTP.start(port: port, path: "/sleepy", input: "1")
            let headArrived = clock.now - start
            let head = reader.connection.head
            #expect(headArrived < .seconds(1), "the head took \(headArrived)")
            #expect(head.status == 200)
            #expect(head.header("content-type") == "text/event-stream")
            #expect(head.header("cache-control") == "no-cache")
            #expect(head.header("x-accel-buffering") == "no")
            let id = try #require(head.header("x-genkit-stream-id"))
            #expect(id.wholeMatch(of: DurableHTTP.uuidV4) != nil, "\(id) is not a lower-case UUID v4")

            await #expect(throws: TestTimeoutError.self) { try await reader.nextFrame(timeout: .milliseconds(500)) }
            #expect(reader.rawBytes.isEmpty, "body bytes arrived while the flow was still sleeping")

            let first = try await reader.nextFrame(timeout: .seconds(5))
            let firstArrived = clock.now - start
            #expect(first == DurableHTTP.chunk(0))
            #expect(firstArrived >= .milliseconds(1900), "the first chunk came after \(firstArrived)")
            #expect(try await reader.remainingFrames() == [#"data: {"result":"awake"}"#])
            #expect(reader.remainder.isEmpty)
        }
    }

    // MARK: C15

    @Test("C15 resuming a finished stream with another input replays the original bytes and headers exactly", arguments: Framework.allCases, DurableStore.allCases)
    func resumeFinishedStream(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework, flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let original = try await DurableHTTP.post(port: port, path: "/counter", input: "5")
            #expect(original.head.status == 200)
            #expect(original.body == DurableHTTP.wire(DurableHTTP.counterFrames(5)))
            let id = try #require(original.head.header("x-genkit-stream-id"))

            // Ids are matched case-insensitively; the answer names the stream as it was created.
            for resumeID in [id, id.uppercased()] {
                let resumed = try await DurableHTTP.post(port: port, path: "/counter", input: "2", streamID: resumeID)
                #expect(resumed.head.status == 200)
                #expect(resumed.body == original.body)
                #expect(DurableHTTP.comparableHeaders(resumed.head) == DurableHTTP.comparableHeaders(original.head))
                #expect(resumed.head.header("x-genkit-stream-id") == id)
            }
        }
    }

    // MARK: C16

    @Test("C16 resuming while the run is in progress returns every chunk once, in order, then the live rest, then the result", arguments: Framework.allCases, DurableStore.allCases)
    func resumeRunningStream(framework: Framework, store: DurableStore) async throws {
        let gate = DurableHTTP.Gate()
        let gated = DurableHTTP.gatedCounter(name: "gated", gate: gate, pauseBefore: 3, delay: .milliseconds(20))
        try await store.withServer(framework: framework, flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            let expected = DurableHTTP.counterFrames(8)
            let starter = try await DurableHTTP.start(port: port, path: "/gated", input: "8")
            let id = try #require(starter.connection.head.header("x-genkit-stream-id"))
            let startedFrames = try await DurableHTTP.frames(starter, count: 3)
            #expect(startedFrames == Array(expected[0..<3]))

            let resumed = try await DurableHTTP.start(port: port, path: "/gated", input: "1", streamID: id)
            #expect(resumed.connection.head.status == 200)
            #expect(resumed.connection.head.header("x-genkit-stream-id") == id)
            let replayed = try await DurableHTTP.frames(resumed, count: 3)
            #expect(replayed == Array(expected[0..<3]))
            // The run is held at the gate: nothing more is stored, so nothing more arrives.
            await #expect(throws: TestTimeoutError.self) { try await resumed.nextFrame(timeout: .milliseconds(200)) }

            gate.open()
            #expect(try await replayed + resumed.remainingFrames() == expected)
            #expect(try await startedFrames + starter.remainingFrames() == expected)
            #expect(resumed.rawBytes == DurableHTTP.wire(expected))
            #expect(starter.rawBytes == DurableHTTP.wire(expected))
        }
    }

    // MARK: C17

    @Test("C17 resuming a failed stream replays its chunks and the same error frame", arguments: Framework.allCases, DurableStore.allCases)
    func resumeFailedStream(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework, flows: { server in
            server.addFlow(Fixtures.thrower())
            server.addFlow(Fixtures.fail)
        }) { port in
            let thrown = try await DurableHTTP.post(port: port, path: "/thrower", input: "5")
            let thrownFrames = DurableHTTP.counterChunks(0..<3)
                + [#"data: {"error":{"status":"INTERNAL","message":"Internal Error"}}"#]
            #expect(thrown.head.status == 200)
            #expect(thrown.body == DurableHTTP.wire(thrownFrames))
            let thrownID = try #require(thrown.head.header("x-genkit-stream-id"))
            let resumedThrown = try await DurableHTTP.post(port: port, path: "/thrower", input: "9", streamID: thrownID)
            #expect(resumedThrown.head.status == 200)
            #expect(resumedThrown.body == thrown.body)

            let failInput = #"{"status":"INVALID_ARGUMENT","message":"a user facing error","chunks":2}"#
            let failed = try await DurableHTTP.post(port: port, path: "/fail", input: failInput)
            let failedFrames = [
                #"data: {"message":0}"#, #"data: {"message":1}"#,
                #"data: {"error":{"status":"INVALID_ARGUMENT","message":"a user facing error","details":{"hint":"details survive"}}}"#,
            ]
            #expect(failed.head.status == 200)
            #expect(failed.body == DurableHTTP.wire(failedFrames))
            let failedID = try #require(failed.head.header("x-genkit-stream-id"))
            let otherInput = #"{"status":"NOT_FOUND","message":"ignored"}"#
            let resumedFailed = try await DurableHTTP.post(port: port, path: "/fail", input: otherInput, streamID: failedID)
            #expect(resumedFailed.head.status == 200)
            #expect(resumedFailed.body == failed.body)
        }
    }

    // MARK: C18

    @Test("C18 an unknown stream id answers 204 with an empty body; an id over 128 bytes or with '/' answers 400", arguments: Framework.allCases, DurableStore.allCases)
    func unknownAndMalformedIDs(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework, flows: { server in
            server.addFlow(Fixtures.counter())
            server.addFlow(Fixtures.streamingEcho)
        }) { port in
            let otherFlowsStream = try await DurableHTTP.post(port: port, path: "/counter", input: "2")
            let otherFlowsID = try #require(otherFlowsStream.head.header("x-genkit-stream-id"))
            let unknown = [UUID().uuidString.lowercased(), "non-existent-stream-id", String(repeating: "a", count: 128)]
            for id in unknown {
                let answer = try await DurableHTTP.post(port: port, path: "/counter", input: "2", streamID: id)
                #expect(answer.head.status == 204, "id \(id)")
                #expect(answer.body.isEmpty, "id \(id)")
            }
            // Another flow's stream is not visible on this route.
            let crossFlow = try await DurableHTTP.post(port: port, path: "/streamingEcho", input: #""x""#, streamID: otherFlowsID)
            #expect(crossFlow.head.status == 204)
            #expect(crossFlow.body.isEmpty)

            let malformed = [String(repeating: "a", count: 200), String(repeating: "b", count: 129), "abc/def", "abc.def"]
            for id in malformed {
                let answer = try await DurableHTTP.post(port: port, path: "/counter", input: "2", streamID: id)
                #expect(answer.head.status == 400, "id \(id)")
                #expect(answer.head.header("content-type") == "application/json", "id \(id)")
                #expect(DurableHTTP.errorStatus(answer.body) == "INVALID_ARGUMENT", "id \(id)")
            }
        }
    }

    // MARK: C20

    @Test("C20 the starting client disconnects after the first chunk: the run finishes and a later resume gets everything", arguments: Framework.allCases, DurableStore.allCases)
    func startingClientDisconnects(framework: Framework, store: DurableStore) async throws {
        let gate = DurableHTTP.Gate()
        let probe = DurableHTTP.Probe()
        let gated = DurableHTTP.gatedCounter(
            name: "detached", gate: gate, pauseBefore: 1, delay: .milliseconds(30), probe: probe)
        try await store.withServer(framework: framework, flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            let starter = try await DurableHTTP.start(port: port, path: "/detached", input: "10")
            let id = try #require(starter.connection.head.header("x-genkit-stream-id"))
            #expect(try await starter.nextFrame() == DurableHTTP.chunk(0))
            await starter.close()
            // The run is held before chunk 1 until now, so the client left while it was in progress;
            // the 9 chunks after the gate take ~270 ms, time for a disconnect to (wrongly) stop it.
            gate.open()
            try await waitUntil(timeout: .seconds(10), "the detached run to end") { probe.events.contains { $0.hasPrefix("ended") } }
            #expect(probe.events == ["ended: finished"])

            let resumed = try await DurableHTTP.post(port: port, path: "/detached", input: "0", streamID: id)
            #expect(resumed.head.status == 200)
            #expect(resumed.body == DurableHTTP.wire(DurableHTTP.counterFrames(10)))
        }
    }

    // MARK: C21

    @Test("C21 the context provider runs on resumes: a resume with a wrong or missing Authorization gets 403", arguments: Framework.allCases, DurableStore.allCases)
    func authOnResume(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework, flows: {
            $0.addFlow(Fixtures.counter(name: "guarded"), contextProvider: Fixtures.authProvider)
        }) { port in
            let granted = [("Authorization", "open sesame")]
            let started = try await DurableHTTP.post(port: port, path: "/guarded", input: "3", headers: granted)
            #expect(started.head.status == 200)
            #expect(started.body == DurableHTTP.wire(DurableHTTP.counterFrames(3)))
            let id = try #require(started.head.header("x-genkit-stream-id"))

            let denied = Array(#"{"status":"PERMISSION_DENIED","message":"not authorized"}"#.utf8)
            for headers in [[("Authorization", "open barley")], []] {
                let resumed = try await DurableHTTP.post(port: port, path: "/guarded", input: "3", streamID: id, headers: headers)
                #expect(resumed.head.status == 403)
                #expect(resumed.head.header("content-type") == "application/json")
                #expect(resumed.body == denied)
            }
            let resumed = try await DurableHTTP.post(port: port, path: "/guarded", input: "3", streamID: id, headers: granted)
            #expect(resumed.head.status == 200)
            #expect(resumed.body == started.body)
        }
    }

    // MARK: C22

    @Test("C22 five concurrent readers of one stream of 10 chunks each get exactly all chunks then the result", arguments: Framework.allCases, DurableStore.allCases)
    func concurrentReaders(framework: Framework, store: DurableStore) async throws {
        let gate = DurableHTTP.Gate()
        let gated = DurableHTTP.gatedCounter(name: "shared", gate: gate, pauseBefore: 2, delay: .milliseconds(10))
        try await store.withServer(framework: framework, flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            let expected = DurableHTTP.counterFrames(10)
            let starter = try await DurableHTTP.start(port: port, path: "/shared", input: "10")
            let id = try #require(starter.connection.head.header("x-genkit-stream-id"))
            var readers = [starter]
            for _ in 1..<5 {
                readers.append(try await DurableHTTP.start(port: port, path: "/shared", input: "10", streamID: id))
            }
            // Every reader is attached (it has the stored chunks) before the rest is written.
            for reader in readers {
                #expect(try await DurableHTTP.frames(reader, count: 2) == Array(expected[0..<2]))
            }
            gate.open()
            let results = try await withThrowingTaskGroup(of: (Int, [String], [UInt8]).self) { group in
                for (number, reader) in readers.enumerated() {
                    group.addTask { (number, try await reader.remainingFrames(), reader.rawBytes) }
                }
                return try await group.reduce(into: [(Int, [String], [UInt8])]()) { $0.append($1) }
            }
            #expect(results.count == 5)
            for (number, rest, raw) in results {
                #expect(rest == Array(expected[2...]), "reader \(number)")
                #expect(raw == DurableHTTP.wire(expected), "reader \(number)")
            }
        }
    }
}

// MARK: - Helpers shared by the durable HTTP suites

/// Requests, expected frames and test flows for the durable-streaming suites
/// (DurableStreamTests, OffsetTests, CancelOwnershipHTTPTests, SlowReaderTests).
enum DurableHTTP {
    /// A lower-case UUID v4.
    static var uuidV4: Regex<Substring> { #/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/# }

    // MARK: Requests

    /// The headers of a streaming POST: `Accept: text/event-stream`, JSON body, optional stream id
    /// (a resume), `Last-Event-ID` and opt-in, then `extra`.
    static func streamingHeaders(
        streamID: String?, lastEventID: String?, optIn: Bool, extra: [(String, String)]
    ) -> [(String, String)] {
        var headers = [("Accept", "text/event-stream"), ("Content-Type", "application/json")]
        if let streamID { headers.append(("x-genkit-stream-id", streamID)) }
        if let lastEventID { headers.append(("Last-Event-ID", lastEventID)) }
        if optIn { headers.append(("x-flowstreams-sse", "1")) }
        return headers + extra
    }

    /// Starts (or, with `streamID`, resumes) a stream and returns its reader at the response head.
    static func start(
        port: Int, path: String, input: String, streamID: String? = nil, lastEventID: String? = nil,
        optIn: Bool = false, headers: [(String, String)] = []
    ) async throws -> SSEStreamReader {
        try await SSEStreamReader.open(
            port: port, path: path,
            headers: streamingHeaders(streamID: streamID, lastEventID: lastEventID, optIn: optIn, extra: headers),
            body: #"{"data":\#(input)}"#)
    }

    /// A whole streaming POST (start or resume): the head and every body byte.
    static func post(
        port: Int, path: String, input: String, streamID: String? = nil, lastEventID: String? = nil,
        optIn: Bool = false, headers: [(String, String)] = []
    ) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
        try await httpRequest(
            port: port, path: path,
            headers: streamingHeaders(streamID: streamID, lastEventID: lastEventID, optIn: optIn, extra: headers),
            body: #"{"data":\#(input)}"#)
    }

    /// `DELETE <path>/streams/<id>`.
    static func cancel(
        port: Int, path: String, id: String, headers: [(String, String)] = []
    ) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
        try await httpRequest(port: port, method: "DELETE", path: "\(path)/streams/\(id)", headers: headers, body: nil)
    }

    /// The next `count` frames; fails if the body ends first.
    static func frames(_ reader: SSEStreamReader, count: Int) async throws -> [String] {
        var frames: [String] = []
        for _ in 0..<count {
            guard let frame = try await reader.nextFrame() else {
                throw TestSupportError("the body ended after \(frames.count) of \(count) frames")
            }
            frames.append(frame)
        }
        return frames
    }

    /// The headers a resume must repeat: every field but `Date`, names lower-cased, sorted.
    static func comparableHeaders(_ head: TestHTTPResponseHead) -> [String] {
        head.headers.filter { $0.name.lowercased() != "date" }.map { "\($0.name.lowercased()): \($0.value)" }.sorted()
    }

    /// The `status` of a JSON error body, or `nil` when the body is not `{"status": …, "message": …}`.
    static func errorStatus(_ body: [UInt8]) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              object["message"] is String else { return nil }
        return object["status"] as? String
    }

    // MARK: Expected frames (without their "\n\n")

    /// `data: {"message":{"count":i}}`, after `id: i` when `id` is set.
    static func chunk(_ index: Int, id: Bool = false) -> String {
        (id ? "id: \(index)\n" : "") + #"data: {"message":{"count":\#(index)}}"#
    }

    static func counterChunks(_ indices: Range<Int>, ids: Bool = false) -> [String] {
        indices.map { chunk($0, id: ids) }
    }

    /// The counter's result frame for `count` chunks.
    static func counterResult(_ count: Int, id: Bool = false) -> String {
        (id ? "id: \(count)\n" : "") + #"data: {"result":"done: \#(count), streamed: \#(count) times"}"#
    }

    /// Every frame of a counter run of `count` chunks from chunk `from` on.
    static func counterFrames(_ count: Int, from: Int = 0, ids: Bool = false) -> [String] {
        counterChunks(from..<count, ids: ids) + [counterResult(count, id: ids)]
    }

    /// The cancelled terminal frame.
    static let cancelledFrame = #"data: {"error":{"status":"CANCELLED","message":"Stream cancelled."}}"#

    /// The body bytes of these frames.
    static func wire(_ frames: [String]) -> [UInt8] {
        Array(frames.map { $0 + "\n\n" }.joined().utf8)
    }

    // MARK: Test flows

    /// Like `Fixtures.counter`, but waits at `gate` before chunk `pauseBefore` and sleeps `delay`
    /// before each later chunk. `probe` gets `ended: finished` or `ended: <error>`, and `cancelled`
    /// when the flow's task is cancelled.
    static func gatedCounter(
        name: String, gate: Gate, pauseBefore: Int, delay: Duration = .zero, probe: Probe? = nil
    ) -> Flow<Int, String, Fixtures.Count> {
        Flow(name) { count, context in
            try await withTaskCancellationHandler {
                do {
                    for index in 0..<count {
                        if index == pauseBefore { try await gate.wait() }
                        if index > pauseBefore, delay > .zero { try await Task.sleep(for: delay) }
                        try await context.sendChunk(Fixtures.Count(count: index))
                    }
                } catch {
                    probe?.record("ended: \(error is CancellationError ? "CancellationError" : String(describing: error))")
                    throw error
                }
                probe?.record("ended: finished")
                return "done: \(count), streamed: \(count) times"
            } onCancel: {
                probe?.record("cancelled")
            }
        }
    }

    /// A barrier a test flow waits at until the test opens it (or the flow's task is cancelled).
    final class Gate: Sendable {
        private struct State {
            var isOpen = false
            var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
            var nextWaiter = 0
        }
        private let state = Mutex(State())

        func open() {
            let waiters = state.withLock { state in
                state.isOpen = true
                defer { state.waiters = [:] }
                return Array(state.waiters.values)
            }
            for waiter in waiters { waiter.resume() }
        }

        func wait() async throws {
            let id = state.withLock { state in
                defer { state.nextWaiter += 1 }
                return state.nextWaiter
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let ready: Result<Void, CancellationError>? = state.withLock { state in
                        if state.isOpen { return .success(()) }
                        if Task.isCancelled { return .failure(CancellationError()) }
                        state.waiters[id] = continuation
                        return nil
                    }
                    if let ready { continuation.resume(with: ready) }
                }
            } onCancel: {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(throwing: CancellationError())
            }
        }
    }

    /// What a test flow observed, in order.
    final class Probe: Sendable {
        private let recorded = Mutex<[String]>([])
        func record(_ event: String) { recorded.withLock { $0.append(event) } }
        var events: [String] { recorded.withLock { $0 } }
    }
}
