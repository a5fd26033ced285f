import FlowStreams

/// Genkit's sample flows from its durable-streaming example, plus ``chat(model:)``.
///
/// A trap (an out-of-range `0..<n`, a forced unwrap of `nil`, an overflow) in a flow ends the whole
/// server process, with every stream it runs: each flow checks its input first and throws
/// `INVALID_ARGUMENT` for what it cannot handle.
enum SampleFlows {
    struct Count: Codable, Sendable {
        var count: Int
    }

    struct Whoops: Error, CustomStringConvertible {
        var description: String { "whoops" }
    }

    /// The most chunks `streamy` and `streamyThrowy` send.
    static let maximumCount = 10_000

    /// n → for each i < n: sleep `delay`, send `{"count": i}`; output `"done: n, streamed: n times"`.
    static func streamy(delay: Duration) -> Flow<Int, String, Count> {
        Flow("streamy") { count, context in
            try check(count, in: 0...maximumCount, "data")
            for index in 0..<count {
                try await Task.sleep(for: delay)
                try await context.sendChunk(Count(count: index))
            }
            return "done: \(count), streamed: \(count) times"
        }
    }

    /// Like `streamy`, but throws a plain error "whoops" at i == 3 (INTERNAL on the wire).
    static func streamyThrowy(delay: Duration) -> Flow<Int, String, Count> {
        Flow("streamyThrowy") { count, context in
            try check(count, in: 0...maximumCount, "data")
            for index in 0..<count {
                try await Task.sleep(for: delay)
                if index == 3 { throw Whoops() }
                try await context.sendChunk(Count(count: index))
            }
            return "done: \(count), streamed: \(count) times"
        }
    }

    /// - Throws: `INVALID_ARGUMENT` naming `field` (its path in the request, such as `data` or
    ///   `data.size`) when `value` is outside `range`.
    static func check(_ value: Int, in range: ClosedRange<Int>, _ field: String) throws(FlowError) {
        guard range.contains(value) else {
            throw FlowError(status: .invalidArgument,
                            message: "\(field) must be from \(range.lowerBound) to \(range.upperBound), not \(value).")
        }
    }
}
