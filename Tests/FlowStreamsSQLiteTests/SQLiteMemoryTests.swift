import FlowStreams
import FlowStreamsSQLite
import Foundation
import Synchronization
import Testing
import TestSupport

/// X3: a late reader's memory does not grow with the stream, and reads fetch one page at a time.
@Suite("SQLiteStreamManager memory", .serialized)
struct SQLiteMemoryTests {
    static let scope = StreamScope(flow: "memory")
    static let batch = 1000

    /// What one read of a whole stream cost.
    struct ReadFigures {
        var events: Int
        var rssGrowth: Int
        var largestPage: Int
        var pages: Int
        var duration: Duration
    }

    /// Counts the rows of every page a reader fetches.
    final class PageCounter: Sendable {
        private let state = Mutex((pages: 0, largest: 0))
        func record(_ rows: Int) { state.withLock { $0 = ($0.pages + 1, max($0.largest, rows)) } }
        func reset() { state.withLock { $0 = (0, 0) } }
        var figures: (pages: Int, largest: Int) { state.withLock { $0 } }
    }

    @Test("X3 reading 10^5 and 10^6 finished chunks: peak RSS growth differs by < 16 MiB, one page per fetch", .timeLimit(.minutes(10)))
    func x3MemoryDoesNotGrowWithTheStream() async throws {
        try await withTemporaryDirectory { directory in
            let small = StreamID.random()
            let large = StreamID.random()
            let writer = try makeManager(path: directory.databasePath, retention: .seconds(86_400))
            let smallWrite = try await write(100_000, to: small, with: writer)
            let largeWrite = try await write(1_000_000, to: large, with: writer)
            writer.close()
            let rate = Double(1_000_000) / (Double(largeWrite.components.seconds) + Double(largeWrite.components.attoseconds) / 1e18)
            print("X3 write: 10^5 chunks in \(smallWrite), 10^6 chunks in \(largeWrite) (\(Int(rate)) chunks/s, batches of \(Self.batch))")

            // Late subscribers in a new manager (a restarted process), one stream after the other,
            // through a storage that counts the rows of every page read.
            var configuration = SQLiteStreamManager.Configuration()
            configuration.retention = .seconds(86_400)
            let storage = try SQLiteStreamManager.openStorage(
                path: directory.databasePath, configuration: configuration, clock: ContinuousClock(), logger: quietLogger)
            defer { storage.close() }
            let counter = PageCounter()
            let reader = DurableStreamManager(
                storage: ObservedStorage(storage) { counter.record($0) },
                configuration: SQLiteStreamManager.engineConfiguration(configuration, storage: storage), logger: quietLogger)
            let smallRead = try await read(small, expecting: 100_000, with: reader, counter: counter)
            let largeRead = try await read(large, expecting: 1_000_000, with: reader, counter: counter)
            for (name, figures) in [("10^5", smallRead), ("10^6", largeRead)] {
                print("X3 read \(name): \(figures.events) events in \(figures.duration), \(figures.pages) pages (largest \(figures.largestPage) rows), peak RSS growth \(figures.rssGrowth / 1024) KiB")
            }
            let pageSize = configuration.pageSize
            #expect(smallRead.largestPage <= pageSize && largeRead.largestPage <= pageSize)
            #expect(largeRead.pages >= 1_000_000 / pageSize)
            #expect(abs(largeRead.rssGrowth - smallRead.rssGrowth) < 16 << 20)
        }
    }

    private func write(_ count: Int, to id: StreamID, with manager: SQLiteStreamManager) async throws -> Duration {
        // One batch reused (chunk i is testChunk(i % batch)): the time measured is the manager's.
        let batch = testChunks(0..<Self.batch)
        let started = ContinuousClock.now
        let writer = try await manager.open(id, in: Self.scope)
        var written = 0
        while written < count {
            let size = min(Self.batch, count - written)
            try await writer.write(size == Self.batch ? batch : Array(batch[0..<size]))
            written += size
        }
        try await writer.finish(.success(.null))
        return ContinuousClock.now - started
    }

    private func read(
        _ id: StreamID, expecting count: Int, with manager: some StreamManager, counter: PageCounter
    ) async throws -> ReadFigures {
        counter.reset()
        let started = ContinuousClock.now
        let baseline = residentMemoryBytes()
        var peak = baseline
        var next = 0
        var finished = false
        for try await event in try await manager.subscribe(id, after: nil, in: Self.scope) {
            switch event {
            case .chunk(let index, let bytes):
                try #require(index == next)
                if index % 997 == 0 { try #require(bytes == testChunk(index % Self.batch)) }
                next += 1
                if next % 1024 == 0 { peak = max(peak, residentMemoryBytes()) }
            case .finished(let index, let outcome):
                try #require(index == count && outcome == .success(.null))
                finished = true
            }
        }
        peak = max(peak, residentMemoryBytes())
        #expect(finished && next == count)
        let (pages, largest) = counter.figures
        return ReadFigures(events: next + 1, rssGrowth: peak - baseline, largestPage: largest, pages: pages, duration: ContinuousClock.now - started)
    }
}
