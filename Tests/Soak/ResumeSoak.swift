import ArgumentParser
import Synchronization
import TestSupport

/// X16: `clients` concurrent clients, each starting a `streamy` run of 50–200 chunks, hanging up at
/// random points and resuming (with and without `Last-Event-ID`) until done; every one must end with
/// exactly its chunks and the result. Runs `runs` times against the same server and prints a table.
struct ResumeSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "X16: concurrent clients that disconnect and resume until done.")

    @OptionGroup var server: ServerOptions

    @Option(help: "Concurrent clients per run.")
    var clients: Int = 1000

    @Option(help: "Runs against the same server.")
    var runs: Int = 2

    @Option(help: "Disconnects per client, at least (up to 2 more).")
    var minimumDisconnects: Int = 3

    @Option(help: "The random seed (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Time limit of one run, in seconds.")
    var timeLimit: Int = 600

    @Option(help: "Fail when a run's peak RSS exceeds the first run's by more than this factor (needs --server-pid).")
    var maximumRSSRatio: Double = 1.1

    func run() async throws {
        let seed = self.seed ?? UInt64.random(in: 1...UInt64.max)
        print("X16 soak: \(clients) clients × \(runs) runs against 127.0.0.1:\(server.port), seed \(seed)")
        print("")
        print("| run | clients | chunks | disconnects | resumes | unplanned drops | failures | wall time | server peak RSS | gauges after (flows, readers) |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        var generator = SplitMix64(seed: seed)
        var peaks: [Int] = []
        var ok = true
        for run in 1...runs {
            let drawn = (0..<clients).map { _ in
                ResumingClient(port: server.port, minimumDisconnects: minimumDisconnects,
                               frameTimeout: .seconds(60), using: &generator)
            }
            let start = ContinuousClock.now
            let (reports, peak) = try await server.watch.measuringPeak {
                try await withTimeout(.seconds(timeLimit), waitingFor: "run \(run)") {
                    await withTaskGroup(of: ResumingClient.Report.self) { group in
                        for client in drawn { group.addTask { await client.run() } }
                        return await group.reduce(into: []) { $0.append($1) }
                    }
                }
            }
            let wall = ContinuousClock.now - start
            let gauges = try await server.watch.settledGauges(timeout: .seconds(30))
            peaks.append(peak)
            let failures = reports.filter { $0.failure != nil }
            let fewest = reports.map(\.disconnects).min() ?? 0
            print("| \(run) | \(clients) | \(drawn.map(\.chunkCount).reduce(0, +)) | \(reports.map(\.disconnects).reduce(0, +)) "
                + "| \(reports.map(\.resumes).reduce(0, +)) | \(reports.map(\.unplannedDrops).reduce(0, +)) | \(failures.count) "
                + "| \(formatted(wall)) | \(server.serverPID == nil ? "-" : mebibytes(peak)) | \(gauges.runningFlows), \(gauges.openReaders) |")
            for failure in failures.prefix(5) { print("   failure: \(failure.failure ?? "")") }
            print("SOAK run=\(run) clients=\(clients) failures=\(failures.count) fewest_disconnects=\(fewest) "
                + "running_flows=\(gauges.runningFlows) open_readers=\(gauges.openReaders) peak_rss=\(peak)")
            if !failures.isEmpty || fewest < minimumDisconnects || gauges.runningFlows != 0 || gauges.openReaders != 0 {
                ok = false
            }
        }
        print("")
        if server.serverPID != nil, let first = peaks.first, first > 0, peaks.count > 1 {
            let worst = peaks.dropFirst().max()!
            let ratio = Double(worst) / Double(first)
            let verdict = ratio <= maximumRSSRatio ? "ok" : "FAILED"
            print("peak RSS: later runs / first run = \(String(format: "%.3f", ratio)) (limit \(maximumRSSRatio)): \(verdict)")
            if ratio > maximumRSSRatio { ok = false }
        }
        print(ok ? "X16 soak passed" : "X16 soak FAILED")
        if !ok { throw ExitCode(1) }
    }
}
