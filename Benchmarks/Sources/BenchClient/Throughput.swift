import BenchSupport

/// One request read to its end on its own loop: the connection, seconds to the end, and the
/// receive time of the first chunk (CLOCK_MONOTONIC ns).
func readOne(port: UInt16, path: String = "/firehose", body: String, headers: [String] = [],
             timeout: Double = 600) -> (connection: Connection, seconds: Double, firstChunkAt: UInt64?) {
    let loop = EventLoop(port: port)
    var firstChunkAt: UInt64?
    var ended = false
    loop.onEvent = { _, event, now in
        switch event {
        case .chunk: if firstChunkAt == nil { firstChunkAt = now }
        case .end: ended = true
        case .head: break
        }
    }
    let connection = Connection(tag: 0, path: path, body: body, headers: headers)
    let start = monotonicNanoseconds()
    loop.start(connection)
    guard loop.run(until: start + UInt64(timeout * 1e9), { ended }) else { fail("\(path): no end within \(timeout) s") }
    let seconds = Double(monotonicNanoseconds() - start) / 1e9
    guard connection.status == 200 else { fail("\(path): HTTP \(connection.status)") }
    return (connection, seconds, firstChunkAt.map { $0 - start })
}

/// B1: the firehose read to its end, sized to last `seconds`, `repetitions` times.
/// Prints the median, min and max chunks/s, and both processes' CPU (median of the repetitions).
func throughput(port: UInt16, stats: ProcessStats, seconds: Double, repetitions: Int) {
    // Size the run: probe until a run lasts at least a fifth of the target.
    var chunks = 20_000
    while true {
        let probe = readOne(port: port, body: #"{"data":\#(chunks)}"#)
        guard probe.connection.chunks == chunks, probe.connection.finished else {
            fail("expected \(chunks) chunks and a result, got \(probe.connection.chunks)")
        }
        if probe.seconds >= seconds / 5 {
            chunks = Int(Double(chunks) / probe.seconds * seconds * 1.1)
            break
        }
        chunks = Int(Double(chunks) / max(probe.seconds, 0.01) * seconds / 3)
    }
    var rates: [Double] = []
    var serverCPU: [Double] = []
    var clientCPU: [Double] = []
    var resized = 0
    while rates.count < repetitions {
        let window = CPUWindow(stats)
        let run = readOne(port: port, body: #"{"data":\#(chunks)}"#)
        let cpu = window.percent()
        guard run.connection.chunks == chunks, run.connection.finished, !run.connection.error else {
            fail("expected \(chunks) chunks and a result, got \(run.connection.chunks)")
        }
        if run.seconds < seconds && resized < 3 {
            // Shorter than asked (the probe ran slower, e.g. warming up): size again and start over.
            chunks = Int(Double(chunks) / run.seconds * seconds * 1.15)
            resized += 1
            rates = []; serverCPU = []; clientCPU = []
            continue
        }
        rates.append(Double(chunks) / run.seconds)
        serverCPU.append(cpu.server)
        clientCPU.append(cpu.client)
    }
    rates.sort()
    report([
        "chunks": chunks,
        "seconds": String(format: "%.2f", Double(chunks) / quantile(rates, 0.5)!),
        "rate": Int(quantile(rates, 0.5)!),
        "min": Int(rates.first!), "max": Int(rates.last!),
        "server_cpu": Int(quantile(serverCPU.sorted(), 0.5)!),
        "client_cpu": Int(quantile(clientCPU.sorted(), 0.5)!),
    ])
}

/// B3: a stream of `chunks` chunks created with the firehose; prints its id.
func create(port: UInt16, chunks: Int) {
    let run = readOne(port: port, body: #"{"data":\#(chunks)}"#)
    guard run.connection.chunks == chunks, run.connection.finished, let id = run.connection.streamID else {
        fail("create: expected \(chunks) chunks, a result and a stream id")
    }
    report(["stream_id": id, "seconds": String(format: "%.2f", run.seconds), "rate": Int(Double(chunks) / run.seconds)])
}

/// B3: resumes of a finished stream: time to first chunk after `Last-Event-ID: chunks - tail - 1`
/// (connect included), `repetitions` times; then full replays (no Last-Event-ID) for throughput.
func resume(port: UInt16, streamID: String, chunks: Int, tail: Int, repetitions: Int, replays: Int) {
    var firstChunk: [UInt64] = []
    for _ in 0..<repetitions {
        let run = readOne(port: port, body: #"{"data":\#(chunks)}"#,
                          headers: ["x-genkit-stream-id: \(streamID)", "Last-Event-ID: \(chunks - tail - 1)"])
        guard run.connection.chunks == tail, run.connection.finished, let first = run.firstChunkAt else {
            fail("resume: expected \(tail) chunks and a result, got \(run.connection.chunks)")
        }
        firstChunk.append(first)
    }
    firstChunk.sort()
    var rates: [Double] = []
    for _ in 0..<replays {
        let run = readOne(port: port, body: #"{"data":\#(chunks)}"#, headers: ["x-genkit-stream-id: \(streamID)"])
        guard run.connection.chunks == chunks, run.connection.finished else {
            fail("replay: expected \(chunks) chunks and a result, got \(run.connection.chunks)")
        }
        rates.append(Double(chunks) / run.seconds)
    }
    rates.sort()
    report([
        "chunks": chunks,
        "first_chunk_p50_ms": milliseconds(quantile(firstChunk, 0.5)),
        "first_chunk_max_ms": milliseconds(firstChunk.last),
        "replay_rate": rates.isEmpty ? "-" : String(Int(quantile(rates, 0.5)!)),
    ])
}
