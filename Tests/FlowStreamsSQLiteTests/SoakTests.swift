import Foundation
import Testing
import TestSupport

/// X16, small: the `flowstreams-soak` program (the one `scripts/soak` runs with 1,000 clients, twice)
/// with 100 clients against the fixture server (`--soak`: the sample's streamy) on SQLite, each disconnecting at least 3 times.
@Suite("X16 soak (small)", .serialized, .tags(.childProcesses))
struct SoakTests {
    @Test("X16 100 clients that each disconnect ≥ 3 times at random points and resume (with and without Last-Event-ID) all end with exactly their chunks and the result, within 60 s; gauges back to 0",
          .timeLimit(.minutes(3)))
    func hundredResumingClients() async throws {
        let (directory, database) = try SampleServerRestartTests.temporaryDatabase()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try await ChildProcess.start(
            product: "flowstreams-fixture-server",
            arguments: ["--soak", "--port", "0", "--chunk-delay-ms", "5", "--store", "sqlite:\(database)",
                        "--log-level", "error"])
        let port = try await server.waitForListening(timeout: .seconds(20))
        let soak = try await ChildProcess.start(
            product: "flowstreams-soak",
            arguments: ["resume", "--port", String(port), "--server-pid", String(server.pid), "--clients", "100",
                        "--runs", "1", "--minimum-disconnects", "3", "--time-limit", "60"])
        let status = try await soak.waitForExit(timeout: .seconds(90))
        #expect(status == 0, "\(soak.output)")
        let summary = try #require(soak.stdoutLines.first { $0.hasPrefix("SOAK run=1 ") }, "\(soak.output)")
        #expect(summary.contains(" clients=100 "), "\(summary)")
        #expect(summary.contains(" failures=0 "), "\(summary)")
        let fewest = summary.split(separator: " ").first { $0.hasPrefix("fewest_disconnects=") }
            .flatMap { Int($0.dropFirst("fewest_disconnects=".count)) }
        #expect((fewest ?? 0) >= 3, "\(summary)")
        #expect(summary.contains(" running_flows=0 open_readers=0 "), "\(summary)")
        #expect(try await server.stop() == 0)
    }
}
