import Foundation
import Testing
import TestSupport

/// X4, X13 (after a kill) and X14 with the real sample server, killed and restarted on one SQLite file.
@Suite("Sample server restarts on SQLite", .serialized)
struct SampleServerRestartTests {
    static let sse: [(String, String)] = [("Accept", "text/event-stream"), ("Content-Type", "application/json")]

    static func startServer(database: String) async throws -> (ChildProcess, Int) {
        let server = try await ChildProcess.start(
            product: "durable-streaming",
            arguments: ["serve", "--port", "0", "--chunk-delay-ms", "50", "--store", "sqlite:\(database)"])
        return (server, try await server.waitForListening(timeout: .seconds(20)))
    }

    static func temporaryDatabase() throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flowstreams-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return (directory, directory.appendingPathComponent("streams.sqlite").path)
    }

    static func countFrame(_ index: Int) -> String { #"data: {"message":{"count":\#(index)}}"# }

    @Test("X4 SIGKILL mid-stream, restart on the same file: the stored chunks replay, then UNAVAILABLE \"Stream writer lost.\"; X13 every chunk a reader received is in the store")
    func killAndRestart() async throws {
        let (directory, database) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }

        let (first, port) = try await Self.startServer(database: database)
        let reader = try await SSEStreamReader.open(port: port, path: "/streamy", headers: Self.sse, body: #"{"data":1000}"#)
        let id = try #require(reader.connection.head.header("x-genkit-stream-id"))
        var received: [String] = []
        for _ in 0..<5 {
            received.append(try #require(try await reader.nextFrame()))
        }
        first.signal(SIGKILL)
        #expect(try await first.waitForExit(timeout: .seconds(10)) == 128 + SIGKILL)
        await reader.close()

        let (second, secondPort) = try await Self.startServer(database: database)
        let resumed = try await SSEStreamReader.open(port: secondPort, path: "/streamy",
                                                     headers: Self.sse + [("x-genkit-stream-id", id)], body: "{}")
        #expect(resumed.connection.head.status == 200)
        let frames = try await withTimeout(.seconds(20)) { try await resumed.remainingFrames() }
        let terminal = try #require(frames.last)
        #expect(terminal == #"data: {"error":{"status":"UNAVAILABLE","message":"Stream writer lost."}}"#)
        let chunks = Array(frames.dropLast())
        // Stored before the kill, in order, with no gap: at least what the first reader saw.
        #expect(chunks == (0..<chunks.count).map(Self.countFrame))
        #expect(chunks.count >= received.count)
        #expect(Array(chunks.prefix(received.count)) == received)
        #expect(try await second.stop() == 0)
    }

    @Test("X14 a finished stream replays byte-identically after a restart")
    func finishedStreamSurvivesRestart() async throws {
        let (directory, database) = try Self.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }

        let (first, port) = try await Self.startServer(database: database)
        let original = try await SSEStreamReader.open(port: port, path: "/streamyThrowy", headers: Self.sse, body: #"{"data":6}"#)
        let id = try #require(original.connection.head.header("x-genkit-stream-id"))
        _ = try await original.remainingFrames()
        let originalBytes = original.rawBytes
        #expect(String(decoding: originalBytes, as: UTF8.self).hasSuffix(
            #"data: {"error":{"status":"INTERNAL","message":"Internal Error"}}"# + "\n\n"))
        #expect(try await first.stop() == 0)

        let (second, secondPort) = try await Self.startServer(database: database)
        let replay = try await SSEStreamReader.open(port: secondPort, path: "/streamyThrowy",
                                                    headers: Self.sse + [("x-genkit-stream-id", id)], body: "{}")
        _ = try await replay.remainingFrames()
        #expect(replay.rawBytes == originalBytes)
        // A second process on the same file fails fast while the first one runs.
        let intruder = try await ChildProcess.start(
            product: "durable-streaming", arguments: ["serve", "--port", "0", "--store", "sqlite:\(database)"])
        #expect(try await intruder.waitForExit(timeout: .seconds(20)) != 0)
        #expect(intruder.output.contains("lock") || intruder.output.contains("Lock"), "\(intruder.output)")
        #expect(try await second.stop() == 0)
    }
}
