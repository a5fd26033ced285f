#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(Glibc)
/// `RLIMIT_NOFILE` as `getrlimit` takes it.
let fileLimitResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
/// `RLIMIT_NOFILE` as `getrlimit` takes it.
let fileLimitResource = RLIMIT_NOFILE
#endif

extension FlowServerConfiguration {
    /// The connection limit in force: `maximumConnections` when set, else the file limit less a
    /// headroom of an eighth of it (at least 64, at most 1024 files) for the store, the streams'
    /// files, the event loops and the logs. A soft limit of 1024 files allows 896 connections.
    /// - Parameter fileLimit: The process's file limit; `nil` (the default) reads the soft
    ///   `RLIMIT_NOFILE` now.
    public func resolvedMaximumConnections(fileLimit: Int? = nil) -> Int {
        if let maximumConnections { return max(0, maximumConnections) }
        let limit = fileLimit ?? Self.currentFileLimit()
        let headroom = min(max(64, limit / 8), 1024)
        return max(1, limit - headroom)
    }

    /// The soft `RLIMIT_NOFILE` of this process (1,048,576 when unlimited or unreadable).
    static func currentFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(fileLimitResource, &limit) == 0, limit.rlim_cur != rlim_t.max else {  // RLIM_INFINITY
            return 1 << 20
        }
        return Int(clamping: limit.rlim_cur)
    }
}
