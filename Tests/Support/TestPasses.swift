public import Testing

/// The passes of `scripts/test`, as tags of the suites that need one of their own. The script finds
/// the suites by these tags (`scripts/test-passes TAG`), so a new suite joins its pass by its tag.
extension Tag {
    /// Assertions that depend on timers (keep-alive comments after 200 ms of silence, a head that must
    /// beat a 2 s sleep, a cancel racing live chunks): a pass of their own, so CPU-heavy suites (fuzzing,
    /// 10^6-row reads) cannot starve their timers on 2 cores.
    @Tag public static var timers: Self
    /// Child processes that load both cores (a server and 100 clients, sample servers on one database,
    /// a server flooded with connections): a pass of their own, one test at a time.
    @Tag public static var childProcesses: Self
}
