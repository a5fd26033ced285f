import FlowStreams
import FlowStreamsSQLite
import FlowStreamsTesting
import Foundation
import GRDB
import Logging
import Testing
import TestSupport

/// One process per file, startup recovery (C43), liveness, durability across restarts (X14), `run()`.
@Suite("SQLiteStreamManager lock, recovery and lifecycle")
struct SQLiteRecoveryTests {
    let scope = StreamScope(flow: "recovery")

    @Test("C43 a stream left running by a dead manager ends UNAVAILABLE \"Stream writer lost.\" when the next one starts")
    func c43WriterLostOnStart() async throws {
        try await withTemporaryDirectory { directory in
            let first = try makeManager(path: directory.databasePath)
            let running = StreamID.random()
            let writer = try await first.open(running, in: scope)
            try await writer.write(testChunks(0..<2))
            try await writer.write(testChunks(2..<3))
            let done = StreamID.random()
            let doneWriter = try await first.open(done, in: scope)
            try await doneWriter.write(testChunks(0..<1))
            try await doneWriter.finish(.success(.null))
            let reader = BackgroundReader(try await first.subscribe(running, after: nil, in: scope))
            try await reader.wait(untilCount: 3)

            first.close()  // the process "dies": the file keeps the stream as running
            // Readers of the dead manager are not left waiting.
            #expect(try await reader.end() == nil)
            #expect(reader.events == testEvents(0..<3, then: .failure(.writerLost)))

            let second = try makeManager(path: directory.databasePath)
            defer { second.close() }
            let replay = try await readAll(try await second.subscribe(running, after: nil, in: scope))
            #expect(replay == testEvents(0..<3, then: .failure(.writerLost)))
            let resumed = try await readAll(try await second.subscribe(running, after: 1, in: scope))
            #expect(resumed == [.chunk(index: 2, testChunk(2)), .finished(index: 3, .failure(.writerLost))])
            #expect(try await readAll(try await second.subscribe(done, after: nil, in: scope)) == testEvents(0..<1, then: .success(.null)))
            #expect(try await second.cancel(running, in: scope) == .alreadyFinished)
        }
    }

    @Test("C43 a live writer silent for hours is never ended: no leases in SQLite")
    func c43SilentWriterStaysRunning() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let manager = try makeManager(path: directory.databasePath, clock: clock, retention: .seconds(60))
            defer { manager.close() }
            let id = StreamID.random()
            let writer = try await manager.open(id, in: scope)
            try await writer.write(testChunks(0..<2))
            let reader = BackgroundReader(try await manager.subscribe(id, after: nil, in: scope))
            try await reader.wait(untilCount: 2)

            for _ in 0..<5 {
                clock.advance(by: .seconds(3 * 3600))
                try await manager.sweep()
            }
            // Still running: an offset at the stored count is out of range only for a running stream.
            await #expect(throws: StreamManagerError.offsetOutOfRange) { _ = try await manager.subscribe(id, after: 2, in: scope) }
            #expect(reader.events.count == 2)

            try await writer.write(testChunks(2..<3))
            try await writer.finish(.success(.null))
            #expect(try await reader.end() == nil)
            #expect(reader.events == testEvents(0..<3, then: .success(.null)))
        }
    }

    @Test("one manager per file: a second one, in this process or another, fails fast with databaseLocked")
    func secondManagerFailsFast() async throws {
        try await withTemporaryDirectory { directory in
            let path = directory.databasePath
            let first = try makeManager(path: path)
            let started = ContinuousClock.now
            let error = #expect(throws: SQLiteStreamManagerError.self) { _ = try makeManager(path: path) }
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(error?.code == .databaseLocked)
            #expect(error?.lockHolder == getpid())
            #expect(error.map { "\($0)" }?.contains("already open in another SQLiteStreamManager") == true)

            // Another process sees the lock too (util-linux flock(1) on the same lock file).
            let probe = try await ChildProcess.start(
                executablePath: "/bin/sh", arguments: ["-c", #"flock -n "$0" true; echo "status $?""#, path + ".lock"])
            #expect(try await probe.waitForLine(containing: "status", timeout: .seconds(10)) == "status 1")

            first.close()
            // Released: the next manager opens the file.
            let second = try makeManager(path: path)
            second.close()

            // A process holding the lock keeps us out until it ends (the kernel releases its lock).
            let holder = try await ChildProcess.start(
                executablePath: "/bin/sh", arguments: ["-c", #"exec 9>>"$0"; flock 9; echo locked; exec sleep 60"#, path + ".lock"])
            _ = try await holder.waitForLine(containing: "locked", timeout: .seconds(10))
            let blocked = #expect(throws: SQLiteStreamManagerError.self) { _ = try makeManager(path: path) }
            #expect(blocked?.code == .databaseLocked)
            holder.signal(SIGKILL)
            try await waitUntil(timeout: .seconds(10), "the killed holder's lock to be released") {
                do {
                    try makeManager(path: path).close()
                    return true
                } catch let error as SQLiteStreamManagerError where error.code == .databaseLocked {
                    return false
                }
            }
        }
    }

    @Test("X14 a finished stream replays byte-identically after a restart")
    func x14ReplayAfterRestart() async throws {
        try await withTemporaryDirectory { directory in
            let id = StreamID.random()
            let chunks = [JSONBytes(unchecked: Array(#"{"text":"Ünïcode ✓ \"q\"\n","n":[1,2.5,null]}"#.utf8)), .null, testChunk(7)]
            let failure = FlowError(status: .invalidArgument, message: "bad ✓", details: testChunk(1))
            let first = try makeManager(path: directory.databasePath)
            let writer = try await first.open(id, in: StreamScope(flow: "recovery", principal: "alibaba"))
            try await writer.write(chunks)
            try await writer.finish(.failure(failure))
            let before = try await readAll(try await first.subscribe(id, after: nil, in: StreamScope(flow: "recovery", principal: "alibaba")))
            first.close()

            let second = try makeManager(path: directory.databasePath)
            defer { second.close() }
            let after = try await readAll(try await second.subscribe(id, after: nil, in: StreamScope(flow: "recovery", principal: "alibaba")))
            #expect(after == before)
            #expect(after == chunks.enumerated().map { .chunk(index: $0.offset, $0.element) } + [.finished(index: 3, .failure(failure))])
            await #expect(throws: StreamManagerError.notFound) {
                _ = try await second.subscribe(id, after: nil, in: StreamScope(flow: "recovery", principal: "eve"))
            }
        }
    }

    @Test("the database runs in WAL mode with synchronous=NORMAL")
    func durabilitySettings() async throws {
        try await withTemporaryDirectory { directory in
            let manager = try makeManager(path: directory.databasePath)
            defer { manager.close() }
            let (journal, synchronous, migrations) = try await manager.withWriterConnection { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                )
            }
            #expect(journal == "wal")
            #expect(synchronous == 1)  // NORMAL
            #expect(migrations == ["v1-streams-and-chunks"])
        }
    }

    @Test("C31 run() sweeps expired streams on its own", .timeLimit(.minutes(1)))
    func runSweeps() async throws {
        try await withTemporaryDirectory { directory in
            let clock = ManualClock()
            let manager = try makeManager(path: directory.databasePath, clock: clock, retention: .seconds(60))
            defer { manager.close() }
            let id = StreamID.random()
            let writer = try await manager.open(id, in: scope)
            try await writer.write(testChunks(0..<1))
            try await writer.finish(.success(.null))

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await manager.run() }
                try await waitUntil(timeout: .seconds(10), "run() sleeps on the clock") { clock.sleeperCount == 1 }
                clock.advance(by: .seconds(60) + manager.configuration.sweepInterval)
                try await waitUntil(timeout: .seconds(10), "the expired stream is removed") { [scope] in
                    do {
                        _ = try await manager.subscribe(id, after: nil, in: scope)
                        return false
                    } catch let error as StreamManagerError where error.code == .notFound {
                        return true
                    }
                }
                group.cancelAll()
                try await group.next()
            }
        }
    }
}
