import FlowStreams
import FlowStreamsTesting
import FlowStreamsVapor
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import Vapor

/// What only Vapor needs: flows on an application of your own with ``FlowLifecycle``, a dead reader
/// noticed at the next write, graceful shutdown, and the sample app with `--framework vapor`. The
/// HTTP conformance items run against Vapor from the shared suites in FlowStreamsHTTPTests.
@Suite("Vapor integration", .tags(.timers))
struct VaporTests {
    static let sse: [(String, String)] = [("Accept", "text/event-stream"), ("Content-Type", "application/json")]
    static let quiet = Logger(label: "vapor-test") { _ in SwiftLogNoOpLogHandler() }

    @Test("C14 C15 on an application of your own: app.addFlow with a FlowLifecycle runs durable flows; shutdownTimeout comes from the grace period")
    func ownApplication() async throws {
        let app = try await Application.make(Environment(name: "testing", arguments: ["test"]), logger: Self.quiet)
        var runnerConfiguration = FlowRunner.Configuration()
        runnerConfiguration.gracePeriod = .seconds(3)
        let runner = FlowRunner(configuration: runnerConfiguration, logger: Self.quiet)
        let manager = InMemoryStreamManager()
        app.addFlow(Fixtures.counter(), options: .init(streamManager: manager, runner: runner))
        app.grouped("api").addFlow(Fixtures.echo, bodyLimit: 64)
        app.lifecycle.use(FlowLifecycle(runner: runner, streamManager: manager, logger: Self.quiet))
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        do {
            try await app.asyncBoot()
            #expect(app.http.server.configuration.shutdownTimeout == .seconds(13))
            try await app.server.start(address: nil)
            let port = try #require(app.http.server.shared.localAddress?.port)

            let reader = try await SSEStreamReader.open(port: port, path: "/counter", headers: Self.sse, body: #"{"data":3}"#)
            let id = try #require(reader.connection.head.header("x-genkit-stream-id"))
            let frames = try await reader.remainingFrames()
            #expect(frames.last == #"data: {"result":"done: 3, streamed: 3 times"}"#)
            let replay = try await SSEStreamReader.open(
                port: port, path: "/counter", headers: Self.sse + [("x-genkit-stream-id", id)], body: "{}")
            #expect(try await replay.remainingFrames() == frames)

            let (echoHead, echoBody) = try await httpRequest(
                port: port, path: "/api/echo", headers: [("Content-Type", "application/json")], body: #"{"data":"hi"}"#)
            #expect(echoHead.status == 200)
            #expect(String(decoding: echoBody, as: UTF8.self) == #"{"result":"Echo: hi"}"#)
            let (bigHead, _) = try await httpRequest(
                port: port, path: "/api/echo", headers: [("Content-Type", "application/json")],
                body: #"{"data":""# + String(repeating: "a", count: 100) + #""}"#)
            #expect(bigHead.status == 413)
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
        #expect(runner.runningCount == 0)
    }

    @Test("A plain stream's reader that goes away is noticed at the next chunk: the flow's task is cancelled")
    func deadReaderCancelsPlainFlow() async throws {
        let ended = Mutex<String?>(nil)
        let ticker = Flow<Int, String, Fixtures.Count>("ticker") { count, context in
            do {
                for index in 0..<count {
                    try await context.sendChunk(Fixtures.Count(count: index))
                    try await Task.sleep(for: .milliseconds(50))
                }
            } catch {
                ended.withLock { $0 = error is CancellationError ? "cancelled" : "\(error)" }
                throw error
            }
            ended.withLock { $0 = "finished" }
            return "done"
        }
        try await withFlowServer(framework: .vapor, streamManager: nil, flows: { $0.addFlow(ticker) }) { port in
            let reader = try await SSEStreamReader.open(port: port, path: "/ticker", headers: Self.sse, body: #"{"data":100000}"#)
            _ = try await reader.nextFrame()
            await reader.close(reset: true)
            let closed = ContinuousClock.now
            try await waitUntil(timeout: .seconds(5), "the flow to end") { ended.withLock { $0 } != nil }
            #expect(ended.withLock { $0 } == "cancelled")
            #expect(ContinuousClock.now - closed < .seconds(2))
        }
    }

    @Test("X19 on Vapor: the sample app serves streamy, its page and the GET endpoint; SIGTERM gives a running flow its grace period, then UNAVAILABLE, exit 0")
    func sampleAppOnVapor() async throws {
        let server = try await ChildProcess.start(
            product: "durable-streaming",
            arguments: ["serve", "--framework", "vapor", "--port", "0", "--chunk-delay-ms", "20",
                        "--grace-period-seconds", "1", "--store", "memory", "--log-level", "error"])
        let port = try await server.waitForListening(timeout: .seconds(20))

        let short = try await SSEStreamReader.open(port: port, path: "/streamy", headers: Self.sse, body: #"{"data":3}"#)
        let id = try #require(short.connection.head.header("x-genkit-stream-id"))
        #expect(try await short.remainingFrames() == [
            #"data: {"message":{"count":0}}"#, #"data: {"message":{"count":1}}"#, #"data: {"message":{"count":2}}"#,
            #"data: {"result":"done: 3, streamed: 3 times"}"#,
        ])
        let get = try await SSEStreamReader.open(port: port, method: "GET", path: "/streamy/streams/\(id)", body: nil)
        #expect(get.connection.head.status == 200)
        #expect(try await get.remainingFrames().last == "id: 3\ndata: {\"result\":\"done: 3, streamed: 3 times\"}")
        let (page, html) = try await httpRequest(port: port, method: "GET", path: "/", body: nil)
        #expect(page.status == 200)
        #expect(page.header("content-security-policy") != nil)
        #expect(String(decoding: html, as: UTF8.self).contains("<html"))

        let long = try await SSEStreamReader.open(port: port, path: "/streamy", headers: Self.sse, body: #"{"data":10000}"#)
        _ = try await long.nextFrame()
        let signalled = ContinuousClock.now
        server.signal(SIGTERM)
        let frames = try await withTimeout(.seconds(15)) { try await long.remainingFrames() }
        #expect(frames.last == #"data: {"error":{"status":"UNAVAILABLE","message":"Server shutting down."}}"#)
        #expect(ContinuousClock.now - signalled >= .milliseconds(800), "the flow had its grace period")
        #expect(try await server.waitForExit(timeout: .seconds(20)) == 0)
    }
}
