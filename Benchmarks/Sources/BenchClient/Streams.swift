import BenchSupport

/// The ticker's request body: `count` chunks, one every `intervalMs`.
func tickerBody(count: Int, intervalMs: Int) -> String {
    #"{"data":{"count":\#(count),"intervalMs":\#(intervalMs)}}"#
}

/// Latencies (flow send → receive, ns) of the chunks sent inside a measuring window.
final class LatencyWindow {
    private(set) var start = UInt64.max
    private(set) var end = UInt64.max
    private(set) var samples: [UInt64] = []

    func record(sentAt: UInt64?, receivedAt: UInt64) {
        guard let sentAt, sentAt >= start, sentAt < end else { return }
        samples.append(receivedAt &- sentAt)
    }

    /// Runs the loop for `seconds` of measuring, then one more second so late chunks of the window
    /// still count. - Returns: the CPU of both processes during the window.
    func measure(_ loop: EventLoop, seconds: Double, stats: ProcessStats) -> (server: Double, client: Double) {
        start = monotonicNanoseconds()
        end = start + UInt64(seconds * 1e9)
        let cpu = CPUWindow(stats)
        loop.run(until: end) { false }
        let percent = cpu.percent()
        loop.run(until: end + 1_000_000_000) { false }
        samples.sort()
        return percent
    }
}

/// Opens connections and runs the loop until each has its response head (or 300 s).
/// - Returns: the seconds it took.
func rampUp(_ loop: EventLoop, _ connections: [Connection], heads: () -> Int) -> Double {
    let start = monotonicNanoseconds()
    for connection in connections { loop.start(connection) }
    let target = connections.count
    guard loop.run(until: start + 300_000_000_000, { heads() + loop.failedConnects >= target }) else {
        fail("only \(heads()) of \(target) streams answered within 300 s")
    }
    return Double(monotonicNanoseconds() - start) / 1e9
}

/// B2: `streams` ticker streams, each a chunk every `intervalMs`, one reader each.
func concurrency(port: UInt16, stats: ProcessStats, streams: Int, intervalMs: Int, seconds: Double) {
    let loop = EventLoop(port: port)
    loop.timestamps = true
    var heads = 0
    var ended = 0
    let window = LatencyWindow()
    loop.onEvent = { _, event, now in
        switch event {
        case .head: heads += 1
        case .chunk(let sentAt): window.record(sentAt: sentAt, receivedAt: now)
        case .end: ended += 1
        }
    }
    // Streams outlast the run (the server is stopped after it).
    let body = tickerBody(count: Int((seconds + 600) * 1000) / intervalMs, intervalMs: intervalMs)
    let connections = (0..<streams).map { Connection(tag: $0, path: "/ticker", body: body) }
    let ramp = rampUp(loop, connections) { heads }
    loop.run(until: monotonicNanoseconds() + 1_000_000_000) { false }
    let cpu = window.measure(loop, seconds: seconds, stats: stats)
    report([
        "streams": streams, "ramp_s": String(format: "%.1f", ramp),
        "p50_ms": milliseconds(quantile(window.samples, 0.5)), "p99_ms": milliseconds(quantile(window.samples, 0.99)),
        "max_ms": milliseconds(window.samples.last),
        "chunks": window.samples.count, "expected": Int(Double(streams) * seconds * 1000 / Double(intervalMs)),
        "failed": loop.failedConnects + ended,
        "server_cpu": Int(cpu.server), "client_cpu": Int(cpu.client),
        "server_peak_rss_mib": stats.serverMemory("VmHWM:") >> 20,
    ])
}

/// B4: one ticker stream, `readers` readers (the first starts it, the others resume it by id).
func fanOut(port: UInt16, stats: ProcessStats, readers: Int, intervalMs: Int, seconds: Double) {
    let loop = EventLoop(port: port)
    loop.timestamps = true
    var heads = 0
    let window = LatencyWindow()
    loop.onEvent = { _, event, now in
        switch event {
        case .head: heads += 1
        case .chunk(let sentAt): window.record(sentAt: sentAt, receivedAt: now)
        case .end: break
        }
    }
    let body = tickerBody(count: Int((seconds + 600) * 1000) / intervalMs, intervalMs: intervalMs)
    let first = Connection(tag: 0, path: "/ticker", body: body)
    _ = rampUp(loop, [first]) { heads }
    guard let id = first.streamID else { fail("fan-out: the stream has no id (a server without a manager?)") }
    let others = (1..<readers).map {
        Connection(tag: $0, path: "/ticker", body: body, headers: ["x-genkit-stream-id: \(id)"])
    }
    let ramp = rampUp(loop, others) { heads - 1 }
    loop.run(until: monotonicNanoseconds() + 1_000_000_000) { false }
    let cpu = window.measure(loop, seconds: seconds, stats: stats)
    report([
        "readers": readers, "ramp_s": String(format: "%.1f", ramp),
        "delivered_per_s": Int(Double(window.samples.count) / seconds),
        "expected_per_s": readers * 1000 / intervalMs,
        "p50_ms": milliseconds(quantile(window.samples, 0.5)), "p99_ms": milliseconds(quantile(window.samples, 0.99)),
        "max_ms": milliseconds(window.samples.last),
        "server_cpu": Int(cpu.server), "client_cpu": Int(cpu.client),
    ])
}

/// Memory: server RSS growth per idle open stream (N streams whose flows sleep after chunk 0, their
/// readers gone; at most `maximumConnecting` connections exist at once), then per idle reader (M
/// readers parked on one such stream).
func idleMemory(port: UInt16, stats: ProcessStats, streams: Int, readers: Int) {
    let loop = EventLoop(port: port)
    var heads = 0
    var firstChunks = 0
    var closeOnFirstChunk = true
    loop.onEvent = { connection, event, _ in
        switch event {
        case .head: heads += 1
        case .chunk:
            if connection.chunks == 1 {
                firstChunks += 1
                if closeOnFirstChunk { loop.closeLater(connection) }
            }
        case .end: break
        }
    }
    func settle() { loop.run(until: monotonicNanoseconds() + 2_000_000_000) { false } }
    func waitForFirstChunks(_ count: Int) {
        guard loop.run(until: monotonicNanoseconds() + 300_000_000_000, { firstChunks >= count }) else {
            fail("idle: only \(firstChunks) of \(count) first chunks")
        }
    }
    let idle = tickerBody(count: 2, intervalMs: 3_600_000)  // chunk 0 at once, then an hour's sleep
    // Warm up (allocator, thread pools) with a tenth of the streams; the first one is read later.
    let first = Connection(tag: 0, path: "/ticker", body: idle)
    loop.start(first)
    let warmUp = max(1, streams / 10)
    for index in 1..<warmUp { loop.start(Connection(tag: index, path: "/ticker", body: idle)) }
    waitForFirstChunks(warmUp)
    guard let id = first.streamID else { fail("idle: the stream has no id") }
    settle()
    let baseline = stats.serverMemory("VmRSS:")
    for index in 0..<streams { loop.start(Connection(tag: index, path: "/ticker", body: idle)) }
    waitForFirstChunks(warmUp + streams)
    settle()
    let withStreams = stats.serverMemory("VmRSS:")
    closeOnFirstChunk = false
    for index in 0..<readers {
        loop.start(Connection(tag: index, path: "/ticker", body: idle, headers: ["x-genkit-stream-id: \(id)"]))
    }
    waitForFirstChunks(warmUp + streams + readers)
    settle()
    let withReaders = stats.serverMemory("VmRSS:")
    report([
        "streams": streams, "bytes_per_stream": (withStreams - baseline) / streams,
        "readers": readers, "bytes_per_reader": (withReaders - withStreams) / readers,
        "rss_mib": "\(baseline >> 20)/\(withStreams >> 20)/\(withReaders >> 20)",
    ])
}

/// B5: `streams` ticker streams started on one server (instance A, whose connections then close)
/// and each read on another (instance B, `readerPort`) sharing the same database.
func relay(port: UInt16, readerPort: UInt16, stats: ProcessStats, streams: Int, intervalMs: Int, seconds: Double) {
    let loop = EventLoop(port: port)
    loop.timestamps = true
    var heads = 0
    var readerHeads = 0
    var failed = 0
    let window = LatencyWindow()
    loop.onEvent = { connection, event, now in
        let isReader = connection.port != nil
        switch event {
        case .head:
            if isReader { readerHeads += 1 } else { heads += 1; loop.closeLater(connection) }
        case .chunk(let sentAt):
            if isReader { window.record(sentAt: sentAt, receivedAt: now) }
        case .end:
            if isReader { failed += 1 }
        }
    }
    let body = tickerBody(count: Int((seconds + 600) * 1000) / intervalMs, intervalMs: intervalMs)
    let writers = (0..<streams).map { Connection(tag: $0, path: "/ticker", body: body) }
    _ = rampUp(loop, writers) { heads }
    let readers = writers.compactMap(\.streamID).enumerated().map { index, id in
        let reader = Connection(tag: index, path: "/ticker", body: body, headers: ["x-genkit-stream-id: \(id)"])
        reader.port = readerPort
        return reader
    }
    guard readers.count == streams else { fail("relay: \(streams - readers.count) streams have no id") }
    _ = rampUp(loop, readers) { readerHeads }
    loop.run(until: monotonicNanoseconds() + 1_000_000_000) { false }
    _ = window.measure(loop, seconds: seconds, stats: stats)
    report([
        "streams": streams,
        "p50_ms": milliseconds(quantile(window.samples, 0.5)), "p99_ms": milliseconds(quantile(window.samples, 0.99)),
        "max_ms": milliseconds(window.samples.last),
        "chunks": window.samples.count, "expected": Int(Double(streams) * seconds * 1000 / Double(intervalMs)),
        "failed": failed + loop.failedConnects,
    ])
}
