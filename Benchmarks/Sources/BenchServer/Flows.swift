import BenchSupport
import FlowStreams

/// The flows every FlowStreams row serves.
enum BenchFlows {
    struct Chunk: Codable, Sendable {
        var i: Int
        var pad: String
    }

    /// Input n → n chunks `{"i":k,"pad":"abcdefghijklmnopqrst"}` (about 40 bytes), as fast as the
    /// write buffer takes them. The same flow as Genkit's row (Benchmarks/genkit/server.py).
    static let firehose = Flow<Int, Int, Chunk>("firehose") { count, context in
        for index in 0..<count { try await context.sendChunk(Chunk(i: index, pad: "abcdefghijklmnopqrst")) }
        return count
    }

    struct TickerInput: Codable, Sendable {
        var count: Int
        var intervalMs: Int
    }

    /// `t` is CLOCK_MONOTONIC in nanoseconds just before the chunk is sent, for latency.
    struct Tick: Codable, Sendable {
        var i: Int
        var t: UInt64
    }

    /// `count` chunks, chunk k at start + k × interval (no drift), each stamped with its send time.
    static let ticker = Flow<TickerInput, Int, Tick>("ticker") { input, context in
        let start = ContinuousClock.now
        for index in 0..<input.count {
            if index > 0 {
                try await Task.sleep(until: start + .milliseconds(input.intervalMs * index), clock: .continuous)
            }
            try await context.sendChunk(Tick(i: index, t: monotonicNanoseconds()))
        }
        return input.count
    }
}
