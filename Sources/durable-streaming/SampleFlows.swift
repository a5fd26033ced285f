import FlowStreams

/// Genkit's sample flows from its durable-streaming example.
enum SampleFlows {
    struct Count: Codable, Sendable {
        var count: Int
    }

    struct Whoops: Error, CustomStringConvertible {
        var description: String { "whoops" }
    }

    /// n → for each i < n: sleep `delay`, send `{"count": i}`; output `"done: n, streamed: n times"`.
    static func streamy(delay: Duration) -> Flow<Int, String, Count> {
        Flow("streamy") { count, context in
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
            for index in 0..<count {
                try await Task.sleep(for: delay)
                if index == 3 { throw Whoops() }
                try await context.sendChunk(Count(count: index))
            }
            return "done: \(count), streamed: \(count) times"
        }
    }
}
