import Foundation

/// Wall-clock time in milliseconds since 1970, the unit stored in the database, so creation and
/// finish times (and with them retention) keep their meaning across restarts.
///
/// Time is the system time when the manager started plus the time elapsed since then on the injected
/// clock: with the default `ContinuousClock` that is the system time; with a manual clock, tests move
/// "now" by advancing it. Sleeping (the sweep interval) uses the injected clock too.
struct WallClock: Sendable {
    let nowMilliseconds: @Sendable () -> Int64
    let sleep: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C, origin: Date = Date()) where C.Duration == Duration {
        let start = clock.now
        let originMilliseconds = Int64((origin.timeIntervalSince1970 * 1000).rounded(.down))
        nowMilliseconds = { originMilliseconds + start.duration(to: clock.now).wholeMilliseconds }
        sleep = { try await clock.sleep(for: $0) }
    }
}
