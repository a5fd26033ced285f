import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import TestSupport
import Testing

/// docs/PROTOCOL.md "The EventSource endpoint" over real sockets: `GET <flow path>/streams/<id>`.
/// docs/CONFORMANCE.md X12 (keep-alive comments during silence), X9 on GET (ownership), and the server side
/// of X10 (resume after `Last-Event-ID`, the response ending after the terminal frame, 204 afterwards),
/// which the browser tests (BrowserTests/) check with a real EventSource.
@Suite("EventSource endpoint (GET <flow>/streams/<id>)", .serialized, .tags(.timers))
struct EventSourceEndpointTests {
    /// Chunk 0, then 1.2 s of silence, then chunk 1: output as `Fixtures.counter` with 2.
    static let quiet = Flow<Int, String, Fixtures.Count>("quiet") { _, context in
        try await context.sendChunk(Fixtures.Count(count: 0))
        try await Task.sleep(for: .milliseconds(1200))
        try await context.sendChunk(Fixtures.Count(count: 1))
        return "done: 2, streamed: 2 times"
    }

    /// `retry: 1000` and its blank line: the first bytes of every 200 answer of the endpoint.
    static let retryFrame = "retry: 1000"

    // MARK: Requests

    /// A whole `GET <path>/streams/<id>` (optionally with a query), with `Accept: text/event-stream`
    /// as EventSource sends it.
    static func read(
        port: Int, path: String, id: String, query: String = "", lastEventID: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
        var all = [("Accept", "text/event-stream"), ("Cache-Control", "no-cache")]
        if let lastEventID { all.append(("Last-Event-ID", lastEventID)) }
        return try await httpRequest(
            port: port, method: "GET", path: "\(path)/streams/\(id)\(query)", headers: all + headers, body: nil)
    }

    /// The same GET, returned at the response head for frame-by-frame reading.
    static func open(
        port: Int, path: String, id: String, query: String = "", lastEventID: String? = nil,
        headers: [(String, String)] = []
    ) async throws -> SSEStreamReader {
        var all = [("Cache-Control", "no-cache")]
        if let lastEventID { all.append(("Last-Event-ID", lastEventID)) }
        return try await SSEStreamReader.open(
            port: port, method: "GET", path: "\(path)/streams/\(id)\(query)", headers: all + headers, body: nil)
    }

    /// Starts a durable run with a plain streaming POST and returns its id (reading nothing more).
    static func startRun(port: Int, path: String, input: String, headers: [(String, String)] = []) async throws -> (id: String, starter: SSEStreamReader) {
        let starter = try await DurableHTTP.start(port: port, path: path, input: input, headers: headers)
        let id = try #require(starter.connection.head.header("x-genkit-stream-id"))
        return (id, starter)
    }

    /// Runs a counter of `count` chunks to its end and returns the stream id.
    static func finishedRun(port: Int, path: String, count: Int, headers: [(String, String)] = []) async throws -> String {
        let run = try await DurableHTTP.post(port: port, path: path, input: String(count), headers: headers)
        #expect(run.body == DurableHTTP.wire(DurableHTTP.counterFrames(count)))
        return try #require(run.head.header("x-genkit-stream-id"))
    }

    /// The endpoint's body: `retry: 1000`, then `frames`.
    static func endpointBody(_ frames: [String]) -> [UInt8] {
        DurableHTTP.wire([retryFrame] + frames)
    }

    static func expectSSEHead(_ head: TestHTTPResponseHead, offset: String?, _ comment: Comment? = nil) {
        #expect(head.status == 200, comment)
        #expect(head.header("content-type") == "text/event-stream", comment)
        #expect(head.header("cache-control") == "no-cache", comment)
        #expect(head.header("x-accel-buffering") == "no", comment)
        #expect(head.header("x-genkit-stream-offset") == offset, comment)
    }

    static func expectNotFound(_ answer: (head: TestHTTPResponseHead, body: [UInt8]), _ comment: Comment? = nil) {
        #expect(answer.head.status == 404, comment)
        #expect(answer.head.header("content-type") == "application/json", comment)
        #expect(DurableHTTP.errorStatus(answer.body) == "NOT_FOUND", comment)
    }

    // MARK: X12

    @Test("X12 the GET endpoint sends retry: 1000 first, an id on every frame, and ': keep-alive' during silence", arguments: Framework.allCases)
    func keepAliveOnGet(framework: Framework) async throws {
        try await withFlowServer(
            framework: framework,
            configure: { $0.keepAliveInterval = .milliseconds(200) },
            flows: { $0.addFlow(Self.quiet) }
        ) { port in
            let (id, starter) = try await Self.startRun(port: port, path: "/quiet", input: "2")
            // The starter (part 1, no opt-in) has chunk 0; the flow is now silent for 1.2 s.
            #expect(try await starter.nextFrame() == DurableHTTP.chunk(0))
            let reader = try await Self.open(port: port, path: "/quiet", id: id)
            Self.expectSSEHead(reader.connection.head, offset: nil)
            let frames = try await reader.remainingFrames()
            #expect(reader.isFinished)

            #expect(reader.rawBytes.starts(with: Array("retry: 1000\n\n".utf8)))
            let expected = DurableHTTP.counterFrames(2, ids: true)
            #expect(frames.filter { $0 != ": keep-alive" } == [Self.retryFrame] + expected)
            #expect(reader.rawBytes == DurableHTTP.wire(frames))
            // The comments fill the silence between chunk 0 and chunk 1 (on a very loaded machine one
            // could come before chunk 0 is read from the store; none can follow the terminal frame).
            let chunk0 = try #require(frames.firstIndex(of: expected[0]))
            let chunk1 = try #require(frames.firstIndex(of: expected[1]))
            let keepAlives = frames.filter { $0 == ": keep-alive" }.count
            let inSilence = frames[chunk0..<chunk1].filter { $0 == ": keep-alive" }.count
            #expect(frames.last == expected[2])
            // 1.2 s of silence at 200 ms: about 5 comments; allow for a loaded machine.
            #expect(inSilence >= 2, "\(inSilence) keep-alive comments between chunk 0 and chunk 1")
            #expect(keepAlives <= 7, "\(keepAlives) keep-alive comments")
            // The POST reader did not opt in: no ids, no comments there.
            #expect(try await starter.remainingFrames() == Array(DurableHTTP.counterFrames(2)[1...]))
            #expect(starter.rawBytes == DurableHTTP.wire(DurableHTTP.counterFrames(2)))
        }
    }

    @Test("X12 the GET endpoint writes no keep-alive while chunks come faster than the interval, and none in 1.2 s at the default 15 s", arguments: Framework.allCases)
    func noKeepAliveWhenBusy(framework: Framework) async throws {
        try await withFlowServer(
            framework: framework,
            configure: { $0.keepAliveInterval = .seconds(2) },
            flows: { $0.addFlow(Fixtures.counter(delay: .milliseconds(20))) }
        ) { port in
            let (id, _) = try await Self.startRun(port: port, path: "/counter", input: "20")
            let read = try await Self.read(port: port, path: "/counter", id: id)
            #expect(read.body == Self.endpointBody(DurableHTTP.counterFrames(20, ids: true)))
        }
        try await withFlowServer(framework: framework, flows: { $0.addFlow(Self.quiet) }) { port in
            let (id, _) = try await Self.startRun(port: port, path: "/quiet", input: "2")
            let read = try await Self.read(port: port, path: "/quiet", id: id)
            #expect(read.body == Self.endpointBody(DurableHTTP.counterFrames(2, ids: true)))
        }
    }

    // MARK: X10, server side

    @Test("X10 server side: GET resumes after Last-Event-ID (header) or ?lastEventId= (query), the header winning, with x-genkit-stream-offset", arguments: Framework.allCases)
    func resumeOnGet(framework: Framework) async throws {
        let gate = DurableHTTP.Gate()
        let gated = DurableHTTP.gatedCounter(name: "gated", gate: gate, pauseBefore: 5)
        try await withFlowServer(framework: framework, flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            let (id, starter) = try await Self.startRun(port: port, path: "/gated", input: "10")
            // Chunks 0…4 are stored (the starter saw them); the run waits before chunk 5.
            #expect(try await DurableHTTP.frames(starter, count: 5) == DurableHTTP.counterChunks(0..<5))

            let fromStart = try await Self.open(port: port, path: "/gated", id: id)
            let byHeader = try await Self.open(port: port, path: "/gated", id: id, lastEventID: "2")
            let byQuery = try await Self.open(port: port, path: "/gated", id: id, query: "?lastEventId=3")
            let both = try await Self.open(port: port, path: "/gated", id: id, query: "?lastEventId=3", lastEventID: "1")
            let minusOne = try await Self.open(port: port, path: "/gated", id: id, query: "?lastEventId=-1")
            let cases: [(SSEStreamReader, from: Int, offset: String?, name: String)] = [
                (fromStart, 0, nil, "no Last-Event-ID"),
                (byHeader, 3, "3", "header 2"),
                (byQuery, 4, "4", "query 3"),
                (both, 2, "2", "header 1 and query 3"),
                (minusOne, 0, "0", "query -1"),
            ]
            // Each has the stored chunks after its offset before the run goes on.
            for (reader, from, offset, name) in cases {
                Self.expectSSEHead(reader.connection.head, offset: offset, "\(name)")
                let stored = try await DurableHTTP.frames(reader, count: 1 + 5 - from)
                #expect(stored == [Self.retryFrame] + DurableHTTP.counterChunks(from..<5, ids: true), "\(name)")
            }
            // On a running stream an offset at or past the stored chunks is out of range.
            for bad in ["5", "99", "-2", "abc", "1.5"] {
                let answer = try await Self.read(port: port, path: "/gated", id: id, lastEventID: bad)
                #expect(answer.head.status == 400, "Last-Event-ID \(bad)")
                #expect(DurableHTTP.errorStatus(answer.body) == "OUT_OF_RANGE", "Last-Event-ID \(bad)")
                let byQuery = try await Self.read(port: port, path: "/gated", id: id, query: "?lastEventId=\(bad)")
                #expect(byQuery.head.status == 400, "lastEventId=\(bad)")
            }
            gate.open()
            for (reader, from, _, name) in cases {
                #expect(try await reader.remainingFrames() == DurableHTTP.counterFrames(10, from: 5, ids: true), "\(name)")
                #expect(reader.rawBytes == Self.endpointBody(DurableHTTP.counterFrames(10, from: from, ids: true)), "\(name)")
            }
            #expect(try await starter.remainingFrames() == DurableHTTP.counterFrames(10, from: 5))

            // The same offsets on the finished stream.
            let finishedByHeader = try await Self.read(port: port, path: "/gated", id: id, lastEventID: "7")
            #expect(finishedByHeader.body == Self.endpointBody(DurableHTTP.counterFrames(10, from: 8, ids: true)))
            #expect(finishedByHeader.head.header("x-genkit-stream-offset") == "8")
            let finishedByQuery = try await Self.read(port: port, path: "/gated", id: id, query: "?lastEventId=8")
            #expect(finishedByQuery.body == Self.endpointBody(DurableHTTP.counterFrames(10, from: 9, ids: true)))
            let finishedBoth = try await Self.read(port: port, path: "/gated", id: id, query: "?lastEventId=9", lastEventID: "-1")
            #expect(finishedBoth.body == Self.endpointBody(DurableHTTP.counterFrames(10, ids: true)))
            #expect(finishedBoth.head.header("x-genkit-stream-offset") == "0")
        }
    }

    @Test("X10 server side: the GET response ends right after the terminal frame; Last-Event-ID = C then answers 204, beyond C 400", arguments: Framework.allCases)
    func endAndNoContent(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: { server in
            server.addFlow(Fixtures.counter(delay: .milliseconds(30)))
            server.addFlow(Fixtures.thrower())
        }) { port in
            let (id, _) = try await Self.startRun(port: port, path: "/counter", input: "5")
            // Live: read while it runs, on a keep-alive connection as a browser would: the response
            // itself must end (EventSource reconnects only when it does).
            let live = try await Self.open(port: port, path: "/counter", id: id, headers: [("Connection", "keep-alive")])
            let frames = try await withTimeout(.seconds(10), waitingFor: "the end of the live GET response") {
                try await live.remainingFrames()
            }
            #expect(frames == [Self.retryFrame] + DurableHTTP.counterFrames(5, ids: true))
            #expect(live.isFinished)
            #expect(live.remainder.isEmpty)

            // EventSource's reconnect after the end: Last-Event-ID = C (= 5) → 204, empty body.
            for headers in [[("Connection", "close")], [("Connection", "keep-alive")]] {
                let afterEnd = try await Self.read(port: port, path: "/counter", id: id, lastEventID: "5", headers: headers)
                #expect(afterEnd.head.status == 204)
                #expect(afterEnd.body.isEmpty)
                #expect(afterEnd.head.header("content-type") != "text/event-stream")
            }
            // The first request may name it in the query too.
            let byQuery = try await Self.read(port: port, path: "/counter", id: id, query: "?lastEventId=5")
            #expect(byQuery.head.status == 204)
            // Past the end: out of range.
            let beyond = try await Self.read(port: port, path: "/counter", id: id, lastEventID: "6")
            #expect(beyond.head.status == 400)
            #expect(DurableHTTP.errorStatus(beyond.body) == "OUT_OF_RANGE")
            // Last-Event-ID = C − 1: only the terminal frame.
            let last = try await Self.read(port: port, path: "/counter", id: id, lastEventID: "4")
            #expect(last.body == Self.endpointBody([DurableHTTP.counterResult(5, id: true)]))

            // A failed stream: its error frame carries id C, and the same 204 follows.
            let failed = try await DurableHTTP.post(port: port, path: "/thrower", input: "10")
            let failedID = try #require(failed.head.header("x-genkit-stream-id"))
            let failedRead = try await Self.read(port: port, path: "/thrower", id: failedID)
            #expect(failedRead.body == Self.endpointBody(DurableHTTP.counterChunks(0..<3, ids: true)
                + [#"id: 3\#ndata: {"error":{"status":"INTERNAL","message":"Internal Error"}}"#]))
            #expect(try await Self.read(port: port, path: "/thrower", id: failedID, lastEventID: "3").head.status == 204)
        }
    }

    @Test("X10 server side: a cancelled stream ends its GET readers with CANCELLED (id C), then 204", arguments: Framework.allCases)
    func cancelEndsGetReaders(framework: Framework) async throws {
        let gate = DurableHTTP.Gate()
        let gated = DurableHTTP.gatedCounter(name: "gated", gate: gate, pauseBefore: 2)
        try await withFlowServer(framework: framework, flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            let (id, _) = try await Self.startRun(port: port, path: "/gated", input: "10")
            let reader = try await Self.open(port: port, path: "/gated", id: id)
            #expect(try await DurableHTTP.frames(reader, count: 3) == [Self.retryFrame] + DurableHTTP.counterChunks(0..<2, ids: true))
            let cancel = try await DurableHTTP.cancel(port: port, path: "/gated", id: id)
            #expect(cancel.head.status == 202)
            #expect(try await reader.remainingFrames() == ["id: 2\n" + DurableHTTP.cancelledFrame])
            #expect(try await Self.read(port: port, path: "/gated", id: id, lastEventID: "2").head.status == 204)
        }
    }

    @Test("X10 server side: GET answers 404 JSON for an unknown id or another flow's, 400 for a malformed id", arguments: Framework.allCases)
    func unknownIDs(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: { server in
            server.addFlow(Fixtures.counter())
            server.addFlow(Fixtures.counter(name: "other"))
        }) { port in
            let id = try await Self.finishedRun(port: port, path: "/counter", count: 3)
            Self.expectNotFound(try await Self.read(port: port, path: "/counter", id: UUID().uuidString.lowercased()), "unknown")
            Self.expectNotFound(
                try await Self.read(port: port, path: "/counter", id: UUID().uuidString.lowercased(), lastEventID: "0"),
                "unknown with Last-Event-ID")
            Self.expectNotFound(try await Self.read(port: port, path: "/other", id: id), "another flow's")
            // Ids match case-insensitively.
            let upper = try await Self.read(port: port, path: "/counter", id: id.uppercased())
            #expect(upper.head.status == 200)
            #expect(upper.body == Self.endpointBody(DurableHTTP.counterFrames(3, ids: true)))

            let malformed = try await Self.read(port: port, path: "/counter", id: "not%20an%20id")
            #expect(malformed.head.status == 400)
            #expect(DurableHTTP.errorStatus(malformed.body) == "INVALID_ARGUMENT")
            let tooLong = try await Self.read(port: port, path: "/counter", id: String(repeating: "a", count: 129))
            #expect(tooLong.head.status == 400)
            #expect(DurableHTTP.errorStatus(tooLong.body) == "INVALID_ARGUMENT")
        }
    }

    @Test("X10 server side: without a stream manager the GET endpoint answers 404 JSON", arguments: Framework.allCases)
    func noStreamManager(framework: Framework) async throws {
        try await withFlowServer(framework: framework, streamManager: nil, flows: { $0.addFlow(Fixtures.counter()) }) { port in
            Self.expectNotFound(try await Self.read(port: port, path: "/counter", id: UUID().uuidString.lowercased()))
        }
    }

    // MARK: X9

    static let userProvider = Fixtures.userProvider

    static let alice = [("Authorization", "user-alice")]
    static let bob = [("Authorization", "user-bob")]

    @Test("X9 GET: a stream started by alice is 404 for bob (running or finished, any Last-Event-ID), 403 without a principal; alice reads it", arguments: Framework.allCases)
    func ownershipOnGet(framework: Framework) async throws {
        let gate = DurableHTTP.Gate()
        let owned = DurableHTTP.gatedCounter(name: "owned", gate: gate, pauseBefore: 2)
        try await withFlowServer(framework: framework, flows: { server in
            server.addFlow(owned, contextProvider: Self.userProvider)
            server.addFlow(Fixtures.counter(), contextProvider: Self.userProvider)
        }) { port in
            defer { gate.open() }
            let (id, starter) = try await Self.startRun(port: port, path: "/owned", input: "4", headers: Self.alice)
            #expect(try await DurableHTTP.frames(starter, count: 2) == DurableHTTP.counterChunks(0..<2))

            // Running: bob cannot learn that it exists, whatever offset he sends.
            for lastEventID in [nil, "-1", "0", "1", "99"] {
                let bobs = try await Self.read(port: port, path: "/owned", id: id, lastEventID: lastEventID, headers: Self.bob)
                Self.expectNotFound(bobs, "bob, Last-Event-ID \(lastEventID ?? "none")")
            }
            // A Last-Event-ID that is not an integer is refused before any lookup, the same for any id.
            let bobsMalformed = try await Self.read(port: port, path: "/owned", id: id, lastEventID: "abc", headers: Self.bob)
            let unknownMalformed = try await Self.read(
                port: port, path: "/owned", id: UUID().uuidString.lowercased(), lastEventID: "abc", headers: Self.bob)
            #expect(bobsMalformed.head.status == 400)
            #expect(bobsMalformed.body == unknownMalformed.body)
            let bobsQuery = try await Self.read(port: port, path: "/owned", id: id, query: "?lastEventId=0", headers: Self.bob)
            Self.expectNotFound(bobsQuery, "bob, ?lastEventId=0")
            let anonymous = try await Self.read(port: port, path: "/owned", id: id)
            #expect(anonymous.head.status == 403)
            #expect(DurableHTTP.errorStatus(anonymous.body) == "PERMISSION_DENIED")

            // Alice reads it live.
            let alices = try await Self.open(port: port, path: "/owned", id: id, headers: Self.alice)
            Self.expectSSEHead(alices.connection.head, offset: nil)
            #expect(try await DurableHTTP.frames(alices, count: 3) == [Self.retryFrame] + DurableHTTP.counterChunks(0..<2, ids: true))
            gate.open()
            #expect(try await alices.remainingFrames() == DurableHTTP.counterFrames(4, from: 2, ids: true))

            // Finished: still 404 for bob, even with Last-Event-ID = C (no 204 that would reveal it).
            for lastEventID in [nil, "4", "3"] {
                let bobs = try await Self.read(port: port, path: "/owned", id: id, lastEventID: lastEventID, headers: Self.bob)
                Self.expectNotFound(bobs, "bob after the end, Last-Event-ID \(lastEventID ?? "none")")
            }
            #expect(try await Self.read(port: port, path: "/owned", id: id, lastEventID: "4", headers: Self.alice).head.status == 204)
            let alicesReplay = try await Self.read(port: port, path: "/owned", id: id, headers: Self.alice)
            #expect(alicesReplay.body == Self.endpointBody(DurableHTTP.counterFrames(4, ids: true)))

            // Bob's own stream is his; and alice's id under another route is unknown even to alice.
            let bobsID = try await Self.finishedRun(port: port, path: "/counter", count: 2, headers: Self.bob)
            Self.expectNotFound(try await Self.read(port: port, path: "/counter", id: bobsID, headers: Self.alice), "alice on bob's")
            #expect(try await Self.read(port: port, path: "/counter", id: bobsID, headers: Self.bob).head.status == 200)
            Self.expectNotFound(try await Self.read(port: port, path: "/counter", id: id, headers: Self.alice), "another route")
        }
    }
}
