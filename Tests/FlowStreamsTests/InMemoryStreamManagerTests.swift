import FlowStreams
import FlowStreamsTesting
import Testing

@Suite("InMemoryStreamManager")
struct InMemoryStreamManagerTests {
    static let retention: Duration = .seconds(60)

    static func makeManager(clock: ManualClock) -> InMemoryStreamManager {
        var configuration = InMemoryStreamManager.Configuration()
        configuration.retention = retention
        return InMemoryStreamManager(configuration: configuration, clock: clock)
    }

    let conformance = StreamManagerConformance {
        let clock = ManualClock()
        let manager = InMemoryStreamManagerTests.makeManager(clock: clock)
        return StreamManagerHarness(
            manager: manager, retention: InMemoryStreamManagerTests.retention,
            advanceClock: { clock.advance(by: $0) }, sweep: { manager.sweep() })
    }

    @Test("C23 open, write, finish: a subscriber gets the chunks then the output")
    func c23() async throws { try await conformance.c23OpenWriteFinish() }

    @Test("C24 opening an id that exists fails with ALREADY_EXISTS")
    func c24() async throws { try await conformance.c24OpenExistingFails() }

    @Test("C25 subscribing to an unknown id fails with NOT_FOUND")
    func c25() async throws { try await conformance.c25SubscribeUnknownFails() }

    @Test("C26 write or finish after the stream finished fails with FAILED_PRECONDITION and changes nothing")
    func c26() async throws { try await conformance.c26WriteAfterFinishFails() }

    @Test("C27 late subscribers get the stored chunks then the live ones, no gap or duplicate at the seam")
    func c27() async throws { try await conformance.c27LateSubscriberSeam() }

    @Test("C28 a subscriber to a finished stream gets all chunks, the terminal event, then the end")
    func c28() async throws { try await conformance.c28FinishedStreamReplay() }

    @Test("C29 identical chunks are all kept")
    func c29() async throws { try await conformance.c29IdenticalChunksKept() }

    @Test("C30 a cancelled or dropped reader is freed; later writes succeed")
    func c30() async throws { try await conformance.c30UnsubscribeFreesReader() }

    @Test("C31 finished streams are removed after retention, open streams never")
    func c31() async throws { try await conformance.c31Retention() }

    @Test("C32 stored errors keep their status, message and details")
    func c32() async throws { try await conformance.c32StoredErrorsKeepStatus() }

    @Test("C41 cancel stores CANCELLED once, rejects later writes, and the first terminal wins a race")
    func c41() async throws { try await conformance.c41Cancel() }

    @Test("C42 a stream with an owner is NOT_FOUND for anyone else; one without is found by anyone")
    func c42() async throws { try await conformance.c42Ownership() }

    @Test("X1 resume offsets: after n starts at n + 1, beyond the end is OUT_OF_RANGE")
    func offsets() async throws { try await conformance.offsets() }

    @Test("C31 run() sweeps expired streams on its own", .timeLimit(.minutes(1)))
    func runSweeps() async throws {
        let clock = ManualClock()
        let manager = Self.makeManager(clock: clock)
        let scope = StreamScope(flow: "sweep")
        let id = StreamID.random()
        let writer = try await manager.open(id, in: scope)
        try await writer.write([.null])
        try await writer.finish(.success(.null))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            try await waitUntil("run() sleeps on the clock") { clock.sleeperCount == 1 }
            _ = try await manager.subscribe(id, after: nil, in: scope)
            clock.advance(by: Self.retention + manager.configuration.sweepInterval)
            try await waitUntil("the expired stream is removed") {
                do {
                    _ = try await manager.subscribe(id, after: nil, in: scope)
                    return false
                } catch let error as FlowError where error.status == .notFound {
                    return true
                }
            }
            group.cancelAll()
            do {
                try await group.next()  // run() may also return normally when cancelled between two sleeps
            } catch is CancellationError {}
        }
    }
}

/// Polls `condition` until it holds, failing after 10 seconds.
func waitUntil(
    _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while try await !condition() {
        try #require(ContinuousClock.now < deadline, "timed out waiting until \(what)", sourceLocation: sourceLocation)
        try await Task.sleep(for: .milliseconds(1))
    }
}

// TEMPORARY MUTANTS
import Synchronization

enum Fault: String, Sendable, CaseIterable {
    case gap, writeAfterFinish, cancelNoop, ignoreOwner, noSweep, offsetOffByOne, dropDetails, finishOverwrites, handlerTwice, deafReader, neverEnds, sweepEarly, reorderBatch
}

struct BrokenWriter: StreamWriter {
    let base: any StreamWriter
    let fault: Fault
    func write(_ chunks: [JSONBytes]) async throws {
        var chunks = chunks
        if fault == .reorderBatch, chunks.count > 2 { chunks.reverse() }
        do { try await base.write(chunks) } catch { if fault != .writeAfterFinish { throw error } }
    }
    func finish(_ outcome: StreamOutcome) async throws {
        var outcome = outcome
        if fault == .dropDetails, case .failure(var e) = outcome { e.details = nil; outcome = .failure(e) }
        do { try await base.finish(outcome) } catch { if fault != .finishOverwrites { throw error } }
    }
    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        if fault == .handlerTwice { base.onCancel { handler(); handler() } } else { base.onCancel(handler) }
    }
}

final class BrokenManager: StreamManager {
    let base: InMemoryStreamManager
    let fault: Fault
    init(base: InMemoryStreamManager, fault: Fault) { self.base = base; self.fault = fault }
    func open(_ id: StreamID, in scope: StreamScope) async throws -> any StreamWriter {
        BrokenWriter(base: try await base.open(id, in: scope), fault: fault)
    }
    func subscribe(_ id: StreamID, after index: Int?, in scope: StreamScope) async throws -> StreamEvents {
        let scope = fault == .ignoreOwner ? StreamScope(flow: scope.flow, principal: nil) : scope
        let inner = try await base.subscribe(id, after: fault == .offsetOffByOne ? index.map { $0 - 1 } : index, in: fault == .ignoreOwner ? StreamScope(flow: "conformance") : scope)
        let fault = self.fault
        let base = self.base
        let start = inner.startIndex
        return StreamEvents(from: start) { from in
            if fault == .deafReader {
                let t = Task { () -> [StreamEvent] in
                    var it = try await base.subscribe(id, after: from - 1, in: StreamScope(flow: "conformance")).makeAsyncIterator()
                    return [try await it.next()!]
                }
                return try await t.value
            }
            var it = try await base.subscribe(id, after: from - 1, in: scope).makeAsyncIterator()
            var e = try await it.next()!
            if fault == .gap, case .chunk(let i, _) = e, i == 2 { e = try await it.next()!; return [.chunk(index: 2, { if case .chunk(_, let b) = e { return b }; return .null }())].filter { _ in true } }
            if fault == .neverEnds, case .finished = e { try await Task.sleep(for: .seconds(3600)) }
            return [e]
        }
    }
    func cancel(_ id: StreamID, in scope: StreamScope) async throws -> CancelResult {
        if fault == .cancelNoop { _ = try await base.subscribe(id, after: nil, in: scope); return .alreadyFinished }
        return try await base.cancel(id, in: scope)
    }
}

@Suite("Mutants") struct Mutants {
    @Test(arguments: Fault.allCases)
    func mutant(_ fault: Fault) async throws {
        let conformance = StreamManagerConformance {
            let clock = ManualClock()
            let manager = InMemoryStreamManagerTests.makeManager(clock: clock)
            let broken = BrokenManager(base: manager, fault: fault)
            return StreamManagerHarness(
                manager: broken, retention: InMemoryStreamManagerTests.retention,
                advanceClock: { clock.advance(by: fault == .sweepEarly ? $0 * 2 : $0) },
                sweep: { if fault != .noSweep { manager.sweep() } })
        }
        let checks: [(String, () async throws -> Void)] = [
            ("c23", conformance.c23OpenWriteFinish), ("c24", conformance.c24OpenExistingFails), ("c25", conformance.c25SubscribeUnknownFails),
            ("c26", conformance.c26WriteAfterFinishFails), ("c27", conformance.c27LateSubscriberSeam), ("c28", conformance.c28FinishedStreamReplay),
            ("c29", conformance.c29IdenticalChunksKept), ("c30", conformance.c30UnsubscribeFreesReader), ("c31", conformance.c31Retention),
            ("c32", conformance.c32StoredErrorsKeepStatus), ("c41", conformance.c41Cancel), ("c42", conformance.c42Ownership), ("offsets", conformance.offsets),
        ]
        var failed: [String] = []
        for (name, check) in checks {
            do { try await check() } catch { failed.append("\(name): \(error)") }
        }
        print("MUTANT \(fault): \(failed.count) failing\n  " + failed.joined(separator: "\n  "))
    }
}

@Suite("TempClock") struct TempClock {
    @Test func clock() async throws {
        let clock = ManualClock()
        final class Box: Sendable { let m = Mutex<[Int]>([]) }
        let box = Box()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await clock.sleep(for: .seconds(5)); box.m.withLock { $0.append(5) } }
            group.addTask { try await clock.sleep(for: .seconds(3)); box.m.withLock { $0.append(3) } }
            try await waitUntil("two sleep") { clock.sleeperCount == 2 }
            clock.advance(by: .seconds(4))
            try await waitUntil("one left") { clock.sleeperCount == 1 && box.m.withLock { $0 } == [3] }
            clock.advance(by: .milliseconds(999))
            #expect(clock.sleeperCount == 1)
            clock.advance(by: .milliseconds(1))
            try await group.waitForAll()
            #expect(box.m.withLock { $0 } == [3, 5])
        }
        // past deadline returns at once
        try await clock.sleep(until: clock.now)
        try await clock.sleep(until: clock.now.advanced(by: .seconds(-1)))
        // cancellation
        let t = Task { try await clock.sleep(for: .seconds(1)) }
        try await waitUntil("sleeping") { clock.sleeperCount == 1 }
        t.cancel()
        await #expect(throws: CancellationError.self) { try await t.value }
        #expect(clock.sleeperCount == 0)
        let t2 = Task { withUnsafeCurrentTask { $0?.cancel() }; try await clock.sleep(for: .seconds(1)) }
        await #expect(throws: CancellationError.self) { try await t2.value }
        #expect(clock.now == ManualClock.Instant(offset: .seconds(5)))
    }
}
