#if canImport(Glibc)
import Glibc
#endif

/// CLOCK_MONOTONIC in nanoseconds. Server and client run on the same machine and share this clock,
/// so a timestamp put in a chunk by the flow can be subtracted from the reader's receive time.
public func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// The frame both ceiling servers repeat: what FlowStreams writes for firehose chunk `index`.
public func firehoseFrame(index: Int) -> [UInt8] {
    Array(#"data: {"message":{"i":\#(index),"pad":"abcdefghijklmnopqrst"}}"#.utf8) + [10, 10]
}

/// The `N` of a request body `{"data":N}` (0 when there is none).
public func requestedCount(_ body: some Collection<UInt8>) -> Int {
    var count = 0
    var seenDigit = false
    for byte in body {
        if byte >= 48 && byte <= 57 {
            count = count * 10 + Int(byte - 48)
            seenDigit = true
        } else if seenDigit {
            break
        }
    }
    return count
}
