import ArgumentParser
import Synchronization
import TestSupport

/// Readers that never read: `clients` clients each start a fast `flood` stream and then read nothing.
/// The server's memory must not grow with what they do not read (it waits on their full sockets,
/// holding at most a page of rows each); another client keeps being served meanwhile. Prints the
/// server's resident memory before and at its peak.
struct NeverReadSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "never-read", abstract: "Clients that start a fast stream and never read it.")

    @OptionGroup var server: ServerOptions

    @Option(help: "Clients that never read.")
    var clients: Int = 100

    @Option(help: "Chunks per stream.")
    var chunks: Int = 2000

    @Option(help: "Bytes per chunk.")
    var size: Int = 1024

    func run() async throws {
        let watch = server.watch
        let input = #"{"chunks":\#(chunks),"size":\#(size)}"#
        // Warm up code paths and allocator arenas before the baseline.
        _ = try await httpRequest(port: server.port, path: "/flood", headers: Self.sse, body: #"{"data":{"chunks":64,"size":\#(size)}}"#)
        let baseline = watch.residentBytes()
        let start = ContinuousClock.now
        let ((served, readers), peak) = try await watch.measuringPeak {
            var readers: [TestHTTPConnection] = []
            for _ in 0..<clients {
                let connection = try await TestHTTPConnection.open(
                    port: server.port, method: "POST", path: "/flood", headers: Self.sse + [("Content-Type", "application/json")],
                    body: Array(#"{"data":\#(input)}"#.utf8), timeout: .seconds(30))
                guard connection.head.status == 200 else { throw TestSupportError("flood answered \(connection.head.status)") }
                readers.append(connection)
            }
            // Until every stream is stored in full, another client keeps being served, one run after another.
            let ids = readers.compactMap { $0.head.header("x-genkit-stream-id") }
            let stop = StopFlag()
            let served = try await withThrowingTaskGroup(of: Served?.self) { group in
                group.addTask {
                    var served = Served()
                    while !stop.isSet {
                        let start = ContinuousClock.now
                        let (head, body) = try await httpRequest(
                            port: server.port, path: "/streamy", headers: Self.sse + [("Content-Type", "application/json")],
                            body: #"{"data":3}"#, timeout: .seconds(60))
                        guard head.status == 200,
                              String(decoding: body, as: UTF8.self).hasSuffix("data: {\"result\":\"done: 3, streamed: 3 times\"}\n\n")
                        else { throw TestSupportError("a normal client was not served (status \(head.status))") }
                        served.count += 1
                        served.slowest = max(served.slowest, ContinuousClock.now - start)
                    }
                    return served
                }
                var pending = ids
                while !pending.isEmpty {
                    try await Task.sleep(for: .milliseconds(200))
                    pending = try await unfinished(pending, input: input)
                }
                stop.set()
                var result = Served()
                while let next = try await group.next() { if let next { result = next } }
                return result
            }
            return (served, readers)
        }
        let elapsed = ContinuousClock.now - start
        for reader in readers { await reader.close() }
        let gauges = try await watch.settledGauges(timeout: .seconds(30))
        let stored = clients * chunks * (size + 2)
        print("| readers that never read | chunks each | stored | baseline RSS | peak RSS | growth | other client served | wall time | gauges after (flows, readers) |")
        print("|---|---|---|---|---|---|---|---|---|")
        print("| \(clients) | \(chunks) × \(size) B | \(mebibytes(stored)) | \(mebibytes(baseline)) | \(mebibytes(peak)) "
            + "| \(mebibytes(peak - baseline)) | \(served.count) runs, slowest \(formatted(served.slowest)) | \(formatted(elapsed)) | \(gauges.runningFlows), \(gauges.openReaders) |")
        print("NEVER_READ clients=\(clients) baseline_rss=\(baseline) peak_rss=\(peak) served=\(served.count)")
        guard gauges.runningFlows == 0, gauges.openReaders == 0 else { throw ExitCode(1) }
    }

    static let sse = [("Accept", "text/event-stream")]

    /// How the other client fared: runs completed, the slowest of them.
    struct Served: Sendable {
        var count = 0
        var slowest = Duration.zero
    }

    /// The ids among `ids` whose stream is still running: a finished one answers `Last-Event-ID: C`
    /// with its terminal frame, a running one with 400 OUT_OF_RANGE.
    private func unfinished(_ ids: [String], input: String) async throws -> [String] {
        var running: [String] = []
        for id in ids {
            let (head, _) = try await httpRequest(
                port: server.port, path: "/flood",
                headers: Self.sse + [("Content-Type", "application/json"), ("x-genkit-stream-id", id), ("Last-Event-ID", String(chunks))],
                body: "{}", timeout: .seconds(30))
            if head.status != 200 { running.append(id) }
        }
        return running
    }
}

/// Tells a loop in another task to stop after its current round.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
