import FlowStreams
import Synchronization
import TestSupport
import Testing

/// docs/CONFORMANCE.md X2, against `flowstreams-fixture-server` in its own process so that the resident
/// memory measured is the server's alone.
@Suite("X2 slow reader", .serialized)
struct SlowReaderTests {
    static let chunkCount = 16_384
    static let chunkSize = 4096
    static let mebibyte = 1 << 20
    /// The in-memory store holds the stream itself (~64 MiB); X2 allows 16 MiB beyond it.
    static let allowedGrowth = 64 * mebibyte + 16 * mebibyte

    @Test(
        "X2 a reader stalled while 16,384 chunks of 4 KiB are written gets every chunk and the result; the writer does not wait; server memory grows < 16 MiB beyond the stored stream",
        .timeLimit(.minutes(2))
    )
    func stalledReaderGetsEverything() async throws {
        let server = try await ChildProcess.start(
            product: "flowstreams-fixture-server", arguments: ["--port", "0", "--log-level", "error"])
        do {
            let port = try await server.waitForListening(timeout: .seconds(30))
            try await measure(port: port, pid: server.pid)
        } catch {
            _ = try? await server.stop()
            throw error
        }
        _ = try await server.stop()
    }

    private func measure(port: Int, pid: Int32) async throws {
        let bulkInput = #"{"chunks":\#(Self.chunkCount),"size":\#(Self.chunkSize)}"#
        // Warm up, so code paths and allocator arenas are in use before the baseline is taken.
        let warmUp = try await DurableHTTP.post(port: port, path: "/bulk", input: #"{"chunks":64,"size":4096}"#)
        #expect(warmUp.head.status == 200)
        let baseline = residentMemoryBytes(pid: pid)
        #expect(baseline > 0, "cannot read /proc/\(pid)/status")

        let sampler = MemorySampler(pid: pid)
        let clock = ContinuousClock()
        let (stalledPeak, readingPeak, writerTime) = try await sampler.sampling {
            let reader = try await DurableHTTP.start(port: port, path: "/bulk", input: bulkInput)
            #expect(reader.connection.head.status == 200)
            let id = try #require(reader.connection.head.header("x-genkit-stream-id"))
            #expect(try await reader.nextFrame() == Self.chunkFrame(0))
            let stalledAt = clock.now

            // The reader reads nothing more. Only a finished stream answers Last-Event-ID = C
            // (with just its terminal frame); a running one answers 400 OUT_OF_RANGE.
            try await waitUntil(timeout: .seconds(40), poll: .milliseconds(100), "the writer to finish while its reader is stalled") {
                let answer = try await DurableHTTP.post(
                    port: port, path: "/bulk", input: bulkInput, streamID: id, lastEventID: String(Self.chunkCount))
                switch answer.head.status {
                case 200:
                    #expect(answer.head.header("x-genkit-stream-offset") == String(Self.chunkCount + 1))
                    #expect(answer.body == DurableHTTP.wire([Self.resultFrame]))
                    return true
                case 400 where DurableHTTP.errorStatus(answer.body) == "OUT_OF_RANGE":
                    return false
                default:
                    throw TestSupportError("resume answered \(answer.head.status): \(String(decoding: answer.body, as: UTF8.self))")
                }
            }
            let writerTime = (clock.now - stalledAt)
            let stalledPeak = sampler.takePeak()

            // Now the stalled reader reads on: every chunk exactly once, in order, then the result.
            var index = 1
            while index < Self.chunkCount {
                guard let frame = try await reader.nextFrame(timeout: .seconds(20)) else { break }
                guard frame == Self.chunkFrame(index) else {
                    Issue.record("frame \(index) is wrong: \(frame.prefix(60))…")
                    break
                }
                index += 1
            }
            #expect(index == Self.chunkCount, "the reader got chunks 0..<\(index) only")
            #expect(try await reader.nextFrame() == Self.resultFrame)
            #expect(try await reader.nextFrame() == nil)
            #expect(reader.remainder.isEmpty)
            return (stalledPeak, sampler.takePeak(), writerTime)
        }

        let highWaterMark = peakResidentMemoryBytes(pid: pid)
        let growth = max(stalledPeak, readingPeak) - baseline
        print("""
            X2 server RSS: baseline \(Self.mib(baseline)), peak while the reader was stalled \(Self.mib(stalledPeak)), \
            peak while it read on \(Self.mib(readingPeak)), VmHWM \(Self.mib(highWaterMark)); \
            growth \(Self.mib(growth)) (limit \(Self.mib(Self.allowedGrowth)): 64 MiB stored + 16 MiB); \
            writer finished \(writerTime) after the reader stalled
            """)
        #expect(growth < Self.allowedGrowth, "server RSS grew by \(Self.mib(growth))")
        #expect(highWaterMark - baseline < Self.allowedGrowth, "server VmHWM grew by \(Self.mib(highWaterMark - baseline))")
    }

    // MARK: Expected frames

    /// `Fixtures.bulk`'s chunk i: the string `"i:aaa…"` (size − 12 "a"s).
    static let filler = String(repeating: "a", count: chunkSize - 12)

    static func chunkFrame(_ index: Int) -> String {
        #"data: {"message":""# + "\(index):" + filler + #""}"#
    }

    static let resultFrame = #"data: {"result":\#(chunkCount)}"#

    static func mib(_ bytes: Int) -> String {
        let tenths = (bytes * 10) / mebibyte
        return "\(tenths / 10).\(abs(tenths % 10)) MiB"
    }
}

/// Samples a process's resident memory every few milliseconds and keeps the peak.
private final class MemorySampler: Sendable {
    let pid: Int32
    private let peak = Mutex(0)

    init(pid: Int32) { self.pid = pid }

    func sample() {
        let resident = residentMemoryBytes(pid: pid)
        peak.withLock { $0 = max($0, resident) }
    }

    /// The peak since the last call (or since sampling began), after one more sample.
    func takePeak() -> Int {
        sample()
        return peak.withLock { peak in
            defer { peak = 0 }
            return peak
        }
    }

    /// Runs `body` while sampling every 5 ms.
    func sampling<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    self.sample()
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
