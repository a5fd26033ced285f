#if canImport(Glibc)
import Glibc
#endif
import BenchSupport
import Foundation

/// CPU time and memory of the server process (from /proc) and of this client (getrusage).
struct ProcessStats {
    let pid: Int32?

    /// The server's user + system CPU seconds so far (0 without a pid).
    func serverCPUSeconds() -> Double {
        guard let pid, let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A `Vm…:` line of the server's /proc status in bytes: "VmRSS:" now, "VmHWM:" the peak.
    func serverMemory(_ field: String) -> Int {
        guard let pid, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(field) {
            return (Int(line.dropFirst(field.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? 0) * 1024
        }
        return 0
    }

    static func clientCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

/// CPU use of both processes over an interval, as percent of one core.
struct CPUWindow {
    let stats: ProcessStats
    let start = monotonicSeconds()
    let server: Double
    let client = ProcessStats.clientCPUSeconds()

    init(_ stats: ProcessStats) {
        self.stats = stats
        server = stats.serverCPUSeconds()
    }

    /// (server %, client %) since `init`.
    func percent() -> (server: Double, client: Double) {
        let wall = monotonicSeconds() - start
        return ((stats.serverCPUSeconds() - server) / wall * 100, (ProcessStats.clientCPUSeconds() - client) / wall * 100)
    }
}

func monotonicSeconds() -> Double { Double(monotonicNanoseconds()) / 1e9 }

/// The value at quantile `q` (0…1) of sorted values, nearest rank.
func quantile<T>(_ sorted: [T], _ q: Double) -> T? {
    guard !sorted.isEmpty else { return nil }
    return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * q).rounded(.up)) - 1))]
}

func milliseconds(_ nanoseconds: UInt64?) -> String {
    guard let nanoseconds else { return "-" }
    return String(format: "%.2f", Double(nanoseconds) / 1e6)
}

/// Prints one result line of `key=value` pairs for scripts/bench.
func report(_ pairs: KeyValuePairs<String, Any>) {
    print(pairs.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("flowstreams-bench-client: \(message)\n".utf8))
    exit(1)
}
