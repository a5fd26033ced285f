import Foundation
import Glibc

// MARK: - CPU time from /proc (Linux)

/// The CPU time a process has used so far, user and system together (`utime` + `stime` of
/// `/proc/<pid>/stat`).
///
/// - Parameter pid: The process to measure.
/// - Returns: The time used, or `nil` when `/proc/<pid>/stat` cannot be read (process gone, not Linux).
public func processCPUTime(pid: Int32) -> Duration? {
    guard let handle = FileHandle(forReadingAtPath: "/proc/\(pid)/stat") else { return nil }
    defer { try? handle.close() }
    guard let data = try? handle.readToEnd(), let text = String(data: data, encoding: .utf8),
          let nameEnd = text.lastIndex(of: ")")
    else { return nil }
    // After "pid (name)": state is field 3, utime field 14, stime field 15.
    let fields = text[text.index(after: nameEnd)...].split(separator: " ")
    guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
    let ticksPerSecond = sysconf(Int32(_SC_CLK_TCK))
    guard ticksPerSecond > 0 else { return nil }
    return .milliseconds((user + system) * 1000 / ticksPerSecond)
}
