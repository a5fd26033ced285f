@testable import FlowStreams
import FlowStreamsTesting
import Logging
import Synchronization
import Testing
import TestSupport

/// The engine's seams between memory and storage, with a storage whose appends can be held after
/// they are stored (the window in which storage has a commit that memory does not know of yet).
@Suite("Durable engine")
struct DurableEngineTests {
    static let scope = StreamScope(flow: "engine")

    static func chunk(_ index: Int) -> JSONBytes { JSONBytes(unchecked: Array("{\"n\":\(index)}".utf8)) }

    @Test("X1 a reader that read a chunk from storage before memory learned of its commit resumes after it")
    func resumeAfterAChunkMemoryDoesNotKnowYet() async throws {
        let storage = HeldAppends(MemoryStorage(clock: ElapsedClock(ContinuousClock())))
        let engine = DurableStreamManager(
            storage: storage, configuration: DurableConfiguration(retention: .seconds(60)),
            logger: Logger(label: "engine-tests") { _ in SwiftLogNoOpLogHandler() })
        let id = StreamID.random()
        let writer = try await engine.open(id, in: Self.scope)
        try await writer.write((0..<5).map(Self.chunk))
        try await writer.write((5..<10).map(Self.chunk))
        // Chunks 10 and 11 are stored; the write does not return (memory does not know) until released.
        storage.hold()
        let held = Task { try await writer.write((10..<12).map(Self.chunk)) }
        try await waitUntil(timeout: .seconds(10), "the held append to be stored") { storage.isHolding }

        // A reader from the start is behind the last commit in memory, so it reads storage: it gets 11.
        var reader = try await engine.subscribe(id, after: nil, in: Self.scope).makeAsyncIterator()
        var indices: [Int] = []
        while indices.last != 11, let event = try await reader.next() { indices.append(event.index) }
        #expect(indices == Array(0...11))

        // Its client resumes after 11 while memory still counts 10 commits.
        let resumed = try await engine.subscribe(id, after: 11, in: Self.scope)
        #expect(resumed.startIndex == 12)

        storage.release()
        try await held.value
        try await writer.finish(.success(.null))
        var rest: [StreamEvent] = []
        for try await event in resumed { rest.append(event) }
        #expect(rest == [.finished(index: 12, .success(.null))])
    }
}

/// A storage whose appends, once `hold()` is called, are stored and then held until `release()`.
final class HeldAppends<Base: DurableStorage>: DurableStorage {
    private let base: Base
    private let state = Mutex<(holding: Bool, held: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, false, nil))

    init(_ base: Base) { self.base = base }

    func hold() { state.withLock { $0.holding = true } }
    var isHolding: Bool { state.withLock { $0.held } }
    func release() {
        let waiter = state.withLock { state in
            state.holding = false
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func append(_ batches: [ChunkAppend]) async throws -> [AppendResult] {
        let results = try await base.append(batches)
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state -> Bool in
                guard state.holding else { return false }
                state.held = true
                state.waiter = continuation
                return true
            }
            if !wait { continuation.resume() }
        }
        return results
    }

    func create(_ id: StreamID, in scope: StreamScope) async throws -> Bool { try await base.create(id, in: scope) }
    func storeTerminal(_ outcome: StreamOutcome, of id: StreamID) async throws -> Bool { try await base.storeTerminal(outcome, of: id) }
    func stream(_ id: StreamID) async throws -> StoredStream? { try await base.stream(id) }
    func page(of id: StreamID, from index: Int, limit: Int) async throws -> StoredPage? {
        try await base.page(of: id, from: index, limit: limit)
    }
    func marks(of ids: [StreamID]) async throws -> [StreamID: StreamMark] { try await base.marks(of: ids) }
    func removeExpired(retention: Duration) async throws -> Int { try await base.removeExpired(retention: retention) }
    func isTransient(_ error: any Error) -> Bool { base.isTransient(error) }
    func describe(_ error: any Error) -> String { base.describe(error) }
}
