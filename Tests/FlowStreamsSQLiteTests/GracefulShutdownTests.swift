import Foundation
import Testing
import TestSupport

/// X19 with the sample server on SQLite: SIGTERM lets running flows finish for the
/// grace period, ends the rest with UNAVAILABLE "Server shutting down.", exits 0, and what was stored
/// is intact on the next start.
@Suite("Graceful shutdown", .serialized)
struct GracefulShutdownTests {
    @Test("X19 SIGTERM: a short flow finishes within the grace period, a long one ends UNAVAILABLE \"Server shutting down.\", exit 0, stored streams intact")
    func sigterm() async throws {
        let (directory, database) = try SampleServerRestartTests.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["serve", "--port", "0", "--chunk-delay-ms", "100", "--grace-period-seconds", "2",
                         "--store", "sqlite:\(database)"]
        let server = try await ChildProcess.start(product: "durable-streaming", arguments: arguments)
        let port = try await server.waitForListening(timeout: .seconds(20))
        let headers = SampleServerRestartTests.sse
        let long = try await SSEStreamReader.open(port: port, path: "/streamy", headers: headers, body: #"{"data":1000}"#)
        let longID = try #require(long.connection.head.header("x-genkit-stream-id"))
        let short = try await SSEStreamReader.open(port: port, path: "/streamy", headers: headers, body: #"{"data":8}"#)
        let firstLong = try #require(try await long.nextFrame())
        _ = try #require(try await short.nextFrame())

        let signalled = ContinuousClock.now
        server.signal(SIGTERM)
        let shortFrames = try await withTimeout(.seconds(10)) { try await short.remainingFrames() }
        #expect(shortFrames.last == #"data: {"result":"done: 8, streamed: 8 times"}"#)
        let longFrames = try await withTimeout(.seconds(10)) { try await long.remainingFrames() }
        let shuttingDown = #"data: {"error":{"status":"UNAVAILABLE","message":"Server shutting down."}}"#
        #expect(longFrames.last == shuttingDown)
        let ended = ContinuousClock.now - signalled
        #expect(ended >= .milliseconds(1500), "the long flow had its grace period (\(ended))")
        #expect(try await server.waitForExit(timeout: .seconds(20)) == 0)

        let restarted = try await ChildProcess.start(product: "durable-streaming", arguments: arguments)
        let newPort = try await restarted.waitForListening(timeout: .seconds(20))
        let replay = try await SSEStreamReader.open(port: newPort, path: "/streamy",
                                                    headers: headers + [("x-genkit-stream-id", longID)], body: "{}")
        let replayed = try await withTimeout(.seconds(10)) { try await replay.remainingFrames() }
        // The stored stream is exactly what its reader got before the shutdown: chunks, then the terminal.
        #expect(replayed == [firstLong] + longFrames)
        #expect(try await restarted.stop() == 0)
    }
}
