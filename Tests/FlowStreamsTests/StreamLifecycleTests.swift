import FlowStreams
import Testing

@Suite("StreamLifecycle")
struct StreamLifecycleTests {
    let output = StreamOutcome.success(JSONBytes(unchecked: Array("\"done\"".utf8)))
    let failure = StreamOutcome.failure(FlowError(status: .invalidArgument, message: "bad", details: .null))

    @Test("append gives consecutive indices while running")
    func append() throws {
        var lifecycle = StreamLifecycle()
        #expect(lifecycle.state == .running(chunkCount: 0))
        #expect(try lifecycle.append(3) == 0..<3)
        #expect(try lifecycle.append(1) == 3..<4)
        #expect(try lifecycle.append(0) == 4..<4)
        #expect(try lifecycle.append(2) == 4..<6)
        #expect(lifecycle.chunkCount == 6)
        #expect(lifecycle.isRunning)
        #expect(lifecycle.outcome == nil)

        var resumed = StreamLifecycle(chunkCount: 10)
        #expect(try resumed.append(2) == 10..<12)
    }

    @Test("finish stores the terminal at the chunk count once, then rejects")
    func finish() throws {
        var lifecycle = StreamLifecycle()
        _ = try lifecycle.append(4)
        #expect(lifecycle.finish(output) == .store(index: 4, output))
        #expect(lifecycle.state == .finished(chunkCount: 4, output))
        #expect(!lifecycle.isRunning)
        #expect(lifecycle.outcome == output)

        #expect(lifecycle.finish(failure) == .reject)
        #expect(lifecycle.finish(output) == .reject)
        #expect(throws: StreamManagerError.streamFinished) { try lifecycle.append(1) }
        #expect(lifecycle.state == .finished(chunkCount: 4, output))
    }

    @Test("cancel stores CANCELLED on a running stream, and changes nothing on a finished one")
    func cancel() throws {
        var running = StreamLifecycle()
        _ = try running.append(2)
        #expect(running.cancel() == .storeAndCancelRun(index: 2))
        #expect(running.state == .finished(chunkCount: 2, .failure(.streamCancelled)))
        #expect(running.cancel() == .none)
        #expect(running.finish(output) == .reject)
        #expect(throws: StreamManagerError.streamFinished) { try running.append(1) }
        #expect(running.outcome == .failure(.streamCancelled))

        var empty = StreamLifecycle()
        #expect(empty.cancel() == .storeAndCancelRun(index: 0))

        var finished = StreamLifecycle(state: .finished(chunkCount: 3, failure))
        #expect(finished.cancel() == .none)
        #expect(finished.state == .finished(chunkCount: 3, failure))
    }

    @Test("loseWriter finishes a running stream with UNAVAILABLE, and changes nothing on a finished one")
    func loseWriter() throws {
        var lifecycle = StreamLifecycle(chunkCount: 5)
        #expect(lifecycle.loseWriter() == .store(index: 5, .failure(.writerLost)))
        #expect(lifecycle.outcome == .failure(.writerLost))
        #expect(lifecycle.loseWriter() == .reject)
        #expect(lifecycle.cancel() == .none)

        var shuttingDown = StreamLifecycle()
        #expect(shuttingDown.loseWriter(.shuttingDown) == .store(index: 0, .failure(.shuttingDown)))

        var finished = StreamLifecycle()
        _ = finished.finish(output)
        #expect(finished.loseWriter() == .reject)
        #expect(finished.outcome == output)
    }

    struct OffsetCase: Sendable, CustomTestStringConvertible {
        var state: StreamLifecycle.State
        var lastIndex: Int?
        /// The first index to send, or `nil` for OUT_OF_RANGE.
        var first: Int?

        var testDescription: String {
            let state = switch self.state {
            case .running(let count): "running(\(count))"
            case .finished(let count, _): "finished(\(count))"
            }
            return "\(state) after \(lastIndex.map(String.init) ?? "nil") → \(first.map(String.init) ?? "OUT_OF_RANGE")"
        }
    }

    static let done = StreamOutcome.success(.null)
    static let offsetCases: [OffsetCase] = [
        OffsetCase(state: .running(chunkCount: 0), lastIndex: nil, first: 0),
        OffsetCase(state: .running(chunkCount: 0), lastIndex: -1, first: 0),
        OffsetCase(state: .running(chunkCount: 0), lastIndex: 0, first: nil),
        OffsetCase(state: .running(chunkCount: 0), lastIndex: -2, first: nil),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: nil, first: 0),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: -1, first: 0),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: 0, first: 1),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: 2, first: 3),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: 3, first: nil),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: 4, first: nil),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: -2, first: nil),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: Int.min, first: nil),
        OffsetCase(state: .running(chunkCount: 3), lastIndex: Int.max, first: nil),
        OffsetCase(state: .finished(chunkCount: 0, done), lastIndex: nil, first: 0),
        OffsetCase(state: .finished(chunkCount: 0, done), lastIndex: -1, first: 0),
        OffsetCase(state: .finished(chunkCount: 0, done), lastIndex: 0, first: 0),
        OffsetCase(state: .finished(chunkCount: 0, done), lastIndex: 1, first: nil),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: nil, first: 0),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: -1, first: 0),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: 0, first: 1),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: 1, first: 2),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: 2, first: 3),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: 3, first: 3),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: 4, first: nil),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: -2, first: nil),
        OffsetCase(state: .finished(chunkCount: 3, done), lastIndex: Int.max, first: nil),
    ]

    @Test("firstIndex(after:) follows the offsets table", arguments: offsetCases)
    func firstIndex(_ testCase: OffsetCase) throws {
        let lifecycle = StreamLifecycle(state: testCase.state)
        if let first = testCase.first {
            #expect(try lifecycle.firstIndex(after: testCase.lastIndex) == first)
        } else {
            #expect(throws: StreamManagerError.offsetOutOfRange) { try lifecycle.firstIndex(after: testCase.lastIndex) }
        }
    }
}
