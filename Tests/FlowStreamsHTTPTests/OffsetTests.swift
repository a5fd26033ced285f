import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import TestSupport
import Testing

/// docs/CONFORMANCE.md X1 and docs/docs/PROTOCOL.md "Offsets" on POST: `Last-Event-ID` offsets, the opt-in frame
/// format (`id:` lines, keep-alive comments), and a server with the extensions switched off.
@Suite("Offsets and opt-in frames over HTTP", .tags(.timers))
struct OffsetTests {
    /// Chunk 0, then 2 s of silence, then chunk 1: output as `Fixtures.counter` with 2.
    static let quiet = Flow<Int, String, Fixtures.Count>("quiet") { _, context in
        try await context.sendChunk(Fixtures.Count(count: 0))
        try await Task.sleep(for: .milliseconds(2000))
        try await context.sendChunk(Fixtures.Count(count: 1))
        return "done: 2, streamed: 2 times"
    }

    // MARK: Offsets

    @Test("X1 Last-Event-ID on a running stream sends chunks n+1… then live, with x-genkit-stream-offset n+1", arguments: Framework.allCases, DurableStore.allCases)
    func offsetsOnRunningStream(framework: Framework, store: DurableStore) async throws {
        let gate = DurableHTTP.Gate()
        let gated = DurableHTTP.gatedCounter(name: "gated", gate: gate, pauseBefore: 5)
        try await store.withServer(framework: framework, flows: { $0.addFlow(gated) }) { port in
            defer { gate.open() }
            let expected = DurableHTTP.counterFrames(10)
            let starter = try await DurableHTTP.start(port: port, path: "/gated", input: "10")
            let id = try #require(starter.connection.head.header("x-genkit-stream-id"))
            // Chunks 0…4 are stored (a reader saw them); the run waits before chunk 5.
            let started = try await DurableHTTP.frames(starter, count: 5)
            #expect(started == Array(expected[0..<5]))

            let afterTwo = try await DurableHTTP.start(port: port, path: "/gated", input: "10", streamID: id, lastEventID: "2")
            #expect(afterTwo.connection.head.status == 200)
            #expect(afterTwo.connection.head.header("x-genkit-stream-offset") == "3")
            #expect(afterTwo.connection.head.header("x-genkit-stream-id") == id)
            let afterTwoFirst = try await DurableHTTP.frames(afterTwo, count: 2)
            #expect(afterTwoFirst == Array(expected[3..<5]))

            // n = the last stored chunk: nothing to replay yet, the header still says where it starts.
            let afterFour = try await DurableHTTP.start(port: port, path: "/gated", input: "10", streamID: id, lastEventID: "4")
            #expect(afterFour.connection.head.status == 200)
            #expect(afterFour.connection.head.header("x-genkit-stream-offset") == "5")
            await #expect(throws: TestTimeoutError.self) { try await afterFour.nextFrame(timeout: .milliseconds(200)) }
            #expect(afterFour.rawBytes.isEmpty)

            let fromStart = try await DurableHTTP.start(port: port, path: "/gated", input: "10", streamID: id, lastEventID: "-1")
            #expect(fromStart.connection.head.header("x-genkit-stream-offset") == "0")
            let fromStartFirst = try await DurableHTTP.frames(fromStart, count: 5)

            // n ≥ the stored chunks of a running stream is out of range.
            for lastEventID in ["5", "9", "10"] {
                let beyond = try await DurableHTTP.post(port: port, path: "/gated", input: "10", streamID: id, lastEventID: lastEventID)
                #expect(beyond.head.status == 400, "Last-Event-ID \(lastEventID)")
                #expect(DurableHTTP.errorStatus(beyond.body) == "OUT_OF_RANGE", "Last-Event-ID \(lastEventID)")
            }

            gate.open()
            #expect(try await afterTwoFirst + afterTwo.remainingFrames() == Array(expected[3...]))
            #expect(afterTwo.rawBytes == DurableHTTP.wire(Array(expected[3...])))
            #expect(try await afterFour.remainingFrames() == Array(expected[5...]))
            #expect(afterFour.rawBytes == DurableHTTP.wire(Array(expected[5...])))
            #expect(try await fromStartFirst + fromStart.remainingFrames() == expected)
            #expect(try await started + starter.remainingFrames() == expected)
        }
    }

    @Test("X1 Last-Event-ID on a finished stream: chunks n+1… only, n = C sends only the terminal frame, no header without it", arguments: Framework.allCases, DurableStore.allCases)
    func offsetsOnFinishedStream(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework, flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let original = try await DurableHTTP.post(port: port, path: "/counter", input: "10")
            #expect(original.body == DurableHTTP.wire(DurableHTTP.counterFrames(10)))
            #expect(original.head.header("x-genkit-stream-offset") == nil)
            let id = try #require(original.head.header("x-genkit-stream-id"))

            for lastIndex in [-1, 0, 6, 9, 10] {
                let resumed = try await DurableHTTP.post(
                    port: port, path: "/counter", input: "10", streamID: id, lastEventID: String(lastIndex))
                #expect(resumed.head.status == 200, "Last-Event-ID \(lastIndex)")
                #expect(resumed.head.header("x-genkit-stream-offset") == String(lastIndex + 1), "Last-Event-ID \(lastIndex)")
                #expect(resumed.head.header("x-genkit-stream-id") == id)
                let frames = DurableHTTP.counterFrames(10, from: min(lastIndex + 1, 10))
                #expect(resumed.body == DurableHTTP.wire(frames), "Last-Event-ID \(lastIndex)")
            }
            let terminalOnly = try await DurableHTTP.post(port: port, path: "/counter", input: "10", streamID: id, lastEventID: "10")
            #expect(terminalOnly.body == DurableHTTP.wire([#"data: {"result":"done: 10, streamed: 10 times"}"#]))

            // Opted in: the ids continue from n+1, the terminal frame's id is C.
            let optedIn = try await DurableHTTP.post(
                port: port, path: "/counter", input: "10", streamID: id, lastEventID: "7", optIn: true)
            #expect(optedIn.head.header("x-genkit-stream-offset") == "8")
            #expect(optedIn.body == DurableHTTP.wire(DurableHTTP.counterFrames(10, from: 8, ids: true)))

            for lastEventID in ["11", "-2", "abc", "1.5"] {
                let refused = try await DurableHTTP.post(port: port, path: "/counter", input: "10", streamID: id, lastEventID: lastEventID)
                #expect(refused.head.status == 400, "Last-Event-ID \(lastEventID)")
                #expect(refused.head.header("content-type") == "application/json", "Last-Event-ID \(lastEventID)")
                #expect(DurableHTTP.errorStatus(refused.body) == "OUT_OF_RANGE", "Last-Event-ID \(lastEventID)")
            }

            let withoutOffset = try await DurableHTTP.post(port: port, path: "/counter", input: "10", streamID: id)
            #expect(withoutOffset.head.header("x-genkit-stream-offset") == nil)
            #expect(withoutOffset.body == original.body)
        }
    }

    // MARK: Opt-in frames

    @Test("X1 x-flowstreams-sse: 1 puts 'id: i' before each data line, the terminal frame's id is C; without it frames are plain", arguments: Framework.allCases, DurableStore.allCases)
    func optInFrames(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework, flows: { server in
            server.addFlow(Fixtures.counter())
            server.addFlow(Fixtures.thrower())
        }) { port in
            let optedIn = try await DurableHTTP.post(port: port, path: "/counter", input: "3", optIn: true)
            #expect(optedIn.head.status == 200)
            #expect(optedIn.head.header("x-genkit-stream-offset") == nil)
            let expectedWithIDs = Array("""
                id: 0\ndata: {"message":{"count":0}}\n\nid: 1\ndata: {"message":{"count":1}}\n\n\
                id: 2\ndata: {"message":{"count":2}}\n\nid: 3\ndata: {"result":"done: 3, streamed: 3 times"}\n\n
                """.utf8)
            #expect(optedIn.body == expectedWithIDs)
            let id = try #require(optedIn.head.header("x-genkit-stream-id"))

            let resumedOptedIn = try await DurableHTTP.post(port: port, path: "/counter", input: "3", streamID: id, optIn: true)
            #expect(resumedOptedIn.body == expectedWithIDs)
            #expect(resumedOptedIn.head.header("x-genkit-stream-offset") == nil)
            let resumedPlain = try await DurableHTTP.post(port: port, path: "/counter", input: "3", streamID: id)
            #expect(resumedPlain.body == DurableHTTP.wire(DurableHTTP.counterFrames(3)))
            let otherValue = try await DurableHTTP.post(
                port: port, path: "/counter", input: "3", streamID: id, headers: [("x-flowstreams-sse", "0")])
            #expect(otherValue.body == DurableHTTP.wire(DurableHTTP.counterFrames(3)))

            let failed = try await DurableHTTP.post(port: port, path: "/thrower", input: "5", optIn: true)
            #expect(failed.body == DurableHTTP.wire(DurableHTTP.counterChunks(0..<3, ids: true) + [
                "id: 3\n" + #"data: {"error":{"status":"INTERNAL","message":"Internal Error"}}"#,
            ]))
        }
    }

    @Test("X1 the opt-in frame format also applies without a stream manager", arguments: Framework.allCases)
    func optInFramesWithoutStreamManager(framework: Framework) async throws {
        try await withFlowServer(framework: framework, streamManager: nil, flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let optedIn = try await DurableHTTP.post(port: port, path: "/counter", input: "2", optIn: true)
            #expect(optedIn.head.status == 200)
            #expect(optedIn.head.header("x-genkit-stream-id") == nil)
            #expect(optedIn.body == DurableHTTP.wire(DurableHTTP.counterFrames(2, ids: true)))
            let plain = try await DurableHTTP.post(port: port, path: "/counter", input: "2")
            #expect(plain.body == DurableHTTP.wire(DurableHTTP.counterFrames(2)))
        }
    }

    // MARK: Keep-alive

    @Test("X1 opted-in POSTs (start and resume) get ': keep-alive' after silence; a reader without opt-in gets no comment", arguments: Framework.allCases, DurableStore.allCases)
    func keepAliveOnPost(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework,
            configure: { $0.keepAliveInterval = .milliseconds(200) },
            flows: { $0.addFlow(Self.quiet) }
        ) { port in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    let optedIn = try await DurableHTTP.start(port: port, path: "/quiet", input: "2", optIn: true)
                    Self.expectKeepAlives(try await optedIn.remainingFrames(), raw: optedIn.rawBytes, who: "opted-in start")
                }
                let plain = try await DurableHTTP.start(port: port, path: "/quiet", input: "2")
                let id = try #require(plain.connection.head.header("x-genkit-stream-id"))
                let plainFirst = try #require(try await plain.nextFrame())
                // The flow is now silent for 2 s: resume it, opted in.
                let resumed = try await DurableHTTP.start(port: port, path: "/quiet", input: "2", streamID: id, optIn: true)
                Self.expectKeepAlives(try await resumed.remainingFrames(), raw: resumed.rawBytes, who: "opted-in resume")

                #expect(try await [plainFirst] + plain.remainingFrames() == DurableHTTP.counterFrames(2))
                #expect(plain.rawBytes == DurableHTTP.wire(DurableHTTP.counterFrames(2)))
                try await group.waitForAll()
            }
        }
    }

    /// The frames are chunk 0, chunk 1, the result (all with ids) with k ≥ 2 keep-alive comments
    /// between them (most in the 2 s silence after chunk 0; a loaded machine may delay chunk 0
    /// past an interval too), ending with the result, and the bytes are exactly those frames.
    static func expectKeepAlives(_ frames: [String], raw: [UInt8], who: String) {
        let expected = DurableHTTP.counterFrames(2, ids: true)
        let keepAlives = frames.filter { $0 == ": keep-alive" }.count
        #expect(frames.filter { $0 != ": keep-alive" } == expected, "\(who)")
        #expect(frames.last == expected.last, "\(who): the terminal frame ends the stream")
        #expect(raw == DurableHTTP.wire(frames), "\(who)")
        // 2 s of silence at 200 ms: about 9 comments; allow for a loaded machine (a resume that
        // reaches the server late in the silence sees fewer).
        #expect((2...14).contains(keepAlives), "\(who): \(keepAlives) keep-alive comments")
    }

    // MARK: Extensions switched off

    @Test("X1 with the extensions switched off, Last-Event-ID and x-flowstreams-sse are ignored (full replay, no ids, no comments)", arguments: Framework.allCases, DurableStore.allCases)
    func extensionsSwitchedOff(framework: Framework, store: DurableStore) async throws {
        try await store.withServer(framework: framework,
            configure: {
                $0.extensionsEnabled = false
                $0.keepAliveInterval = .milliseconds(200)
            },
            flows: { server in
                server.addFlow(Fixtures.counter())
                server.addFlow(Self.quiet)
            }
        ) { port in
            let plainBody = DurableHTTP.wire(DurableHTTP.counterFrames(5))
            let started = try await DurableHTTP.post(port: port, path: "/counter", input: "5", optIn: true)
            #expect(started.head.status == 200)
            #expect(started.body == plainBody)
            let id = try #require(started.head.header("x-genkit-stream-id"))

            for lastEventID in ["2", "5", "99", "abc"] {
                let resumed = try await DurableHTTP.post(
                    port: port, path: "/counter", input: "5", streamID: id, lastEventID: lastEventID, optIn: true)
                #expect(resumed.head.status == 200, "Last-Event-ID \(lastEventID)")
                #expect(resumed.head.header("x-genkit-stream-offset") == nil, "Last-Event-ID \(lastEventID)")
                #expect(resumed.body == plainBody, "Last-Event-ID \(lastEventID)")
            }

            let quiet = try await DurableHTTP.post(port: port, path: "/quiet", input: "2", optIn: true)
            #expect(quiet.body == DurableHTTP.wire(DurableHTTP.counterFrames(2)))
        }
    }
}
