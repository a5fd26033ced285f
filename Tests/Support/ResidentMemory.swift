import Foundation

// MARK: - Resident memory from /proc (Linux)

/// The resident set size (`VmRSS`) of a process, in bytes.
///
/// - Parameter pid: The process to measure; `nil` (the default) for the calling process.
/// - Returns: The size in bytes, or 0 when `/proc/<pid>/status` cannot be read (process gone, not Linux).
public func residentMemoryBytes(pid: Int32? = nil) -> Int {
    procStatusKilobytes(pid: pid, field: "VmRSS") * 1024
}

/// The peak resident set size (`VmHWM`, "high water mark") of a process since it started, in bytes.
///
/// - Parameter pid: The process to measure; `nil` (the default) for the calling process.
/// - Returns: The size in bytes, or 0 when `/proc/<pid>/status` cannot be read.
public func peakResidentMemoryBytes(pid: Int32? = nil) -> Int {
    procStatusKilobytes(pid: pid, field: "VmHWM") * 1024
}

/// Reads one `Name:   1234 kB` line of `/proc/<pid>/status`.
func procStatusKilobytes(pid: Int32?, field: String) -> Int {
    let path = "/proc/\(pid.map(String.init) ?? "self")/status"
    // /proc files report a size of 0: read to the end instead of trusting the size.
    guard let handle = FileHandle(forReadingAtPath: path) else { return 0 }
    defer { try? handle.close() }
    guard let data = try? handle.readToEnd(), let text = String(data: data, encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        let fields = line.dropFirst(field.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" })
        return fields.first.flatMap { Int($0) } ?? 0
    }
    return 0
}
