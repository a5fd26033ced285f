import Foundation
import TestSupport

/// The server under test seen from outside: its resident memory (from /proc) and its two gauges
/// (`GET /debug/gauges` of the fixture server started with `--soak`).
struct ServerWatch: Sendable {
    let port: Int
    /// The server's process id; without it no memory is measured.
    let pid: Int32?

    /// Resets the kernel's peak-RSS mark of the server (`echo 5 > /proc/PID/clear_refs`).
    /// - Returns: Whether that was allowed.
    func resetPeak() -> Bool {
        guard let pid else { return false }
        return (try? "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)) != nil
    }

    /// The server's resident memory now, in bytes (0 without a pid).
    func residentBytes() -> Int {
        pid.map { residentMemoryBytes(pid: $0) } ?? 0
    }

    /// Runs `body` while sampling the server's resident memory every 20 ms.
    /// - Returns: What `body` returned, and the peak: the larger of the samples and the kernel's
    ///   peak mark (reset first, when allowed).
    func measuringPeak<T: Sendable>(_ body: () async throws -> T) async rethrows -> (T, peak: Int) {
        guard let pid else { return (try await body(), 0) }
        let kernelPeak = resetPeak()
        let sampler = Task {
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, residentMemoryBytes(pid: pid))
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let result: T
        do {
            result = try await body()
        } catch {
            sampler.cancel()
            throw error
        }
        sampler.cancel()
        let sampled = await sampler.value
        return (result, max(sampled, kernelPeak ? peakResidentMemoryBytes(pid: pid) : 0))
    }

    /// The server's running-flow and open-reader gauges.
    func gauges() async throws -> (runningFlows: Int, openReaders: Int) {
        let (head, body) = try await httpRequest(port: port, method: "GET", path: "/debug/gauges", body: nil,
                                                 timeout: .seconds(10))
        guard head.status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Int],
              let running = object["running_flows"], let readers = object["open_readers"]
        else {
            throw TestSupportError("GET /debug/gauges answered \(head.status): start the fixture server with --soak")
        }
        return (running, readers)
    }

    /// Waits (up to `timeout`) for both gauges to be 0; returns their last values.
    func settledGauges(timeout: Duration) async throws -> (runningFlows: Int, openReaders: Int) {
        let deadline = ContinuousClock.now + timeout
        while true {
            let values = try await gauges()
            if (values.runningFlows == 0 && values.openReaders == 0) || ContinuousClock.now >= deadline { return values }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// `12.3 MiB`.
func mebibytes(_ bytes: Int) -> String {
    String(format: "%.1f MiB", Double(bytes) / 1_048_576)
}

/// `12.3 s`.
func formatted(_ duration: Duration) -> String {
    let (whole, attoseconds) = duration.components
    return String(format: "%.1f s", Double(whole) + Double(attoseconds) / 1e18)
}
