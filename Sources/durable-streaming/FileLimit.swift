#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's limit on open files, which bounds its connections (`maximumConnections` is derived
/// from it).
enum FileLimit {
    /// Raises the soft limit on open files to the hard limit (shells often start servers at 1024),
    /// so the server may hold as many connections as the system lets it. Leaves it unchanged when
    /// it cannot be read or set.
    static func raiseToHardLimit() {
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        #if canImport(Darwin)
        // macOS refuses a soft limit above OPEN_MAX even when the hard limit is unlimited.
        limit.rlim_cur = min(limit.rlim_max, rlim_t(OPEN_MAX))
        #else
        limit.rlim_cur = limit.rlim_max
        #endif
        _ = setrlimit(resource, &limit)
    }

    #if canImport(Glibc)
    private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    private static let resource = RLIMIT_NOFILE
    #endif
}
