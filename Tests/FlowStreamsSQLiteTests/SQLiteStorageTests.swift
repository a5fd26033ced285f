import FlowStreams
import FlowStreamsSQLite
import FlowStreamsTesting
import Foundation
import GRDB
import Logging
import Testing
import TestSupport

/// Stored before seen (X13) and storage trouble (X15), on real files.
@Suite("SQLiteStreamManager storage trouble")
struct SQLiteStorageTests {
    let scope = StreamScope(flow: "storage")

    /// A second connection to the file that takes the write lock (`BEGIN IMMEDIATE`) and holds it.
    final class LockHolder: Sendable {
        let queue: DatabaseQueue

        init(path: String) throws {
            var configuration = Configuration()
            configuration.allowsUnsafeTransactions = true
            queue = try DatabaseQueue(path: path, configuration: configuration)
        }

        func lock() async throws { try await queue.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") } }
        func unlock() async throws { try await queue.writeWithoutTransaction { try $0.execute(sql: "ROLLBACK") } }

        /// What is committed in the file, seen from outside the manager.
        func stored(_ id: StreamID) async throws -> (chunks: Int, status: String?, message: String?) {
            try await queue.read { db in
                let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM chunks WHERE stream_id = ?", arguments: [id.rawValue]) ?? 0
                let row = try Row.fetchOne(db, sql: "SELECT status, error_message FROM streams WHERE id = ?", arguments: [id.rawValue])
                return (chunks, row?[0], row?[1])
            }
        }
    }

    @Test("X13 a chunk whose commit is held back is seen by no reader until it is committed")
    func x13HeldCommit() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let manager = try makeManager(path: directory.databasePath, storageWindow: .seconds(60), logger: logs.logger)
            defer { manager.close() }
            let id = StreamID.random()
            let writer = try await manager.open(id, in: scope)
            try await writer.write(testChunks(0..<1))
            let reader = BackgroundReader(try await manager.subscribe(id, after: nil, in: scope))
            try await reader.wait(untilCount: 1)

            let holder = try LockHolder(path: directory.databasePath)
            try await holder.lock()
            let writing = Task { try await writer.write(testChunks(1..<2)) }
            // The writer has tried (and been refused) several times: its commit is held back.
            try await waitUntil(timeout: .seconds(10), "the writer to retry") {
                logs.count(.debug, containing: "storage error, retrying") >= 3
            }
            #expect(reader.events == [.chunk(index: 0, testChunk(0))])
            // A late reader agrees: only chunk 0 exists, so resuming after chunk 1 is out of range.
            await #expect(throws: StreamManagerError.offsetOutOfRange) { _ = try await manager.subscribe(id, after: 1, in: scope) }
            #expect(try await readFirst(manager, id) == .chunk(index: 0, testChunk(0)))

            try await holder.unlock()
            try await writing.value
            try await reader.wait(untilCount: 2)
            try await writer.finish(.success(.null))
            #expect(try await reader.end() == nil)
            #expect(reader.events == testEvents(0..<2, then: .success(.null)))
            #expect(logs.count(.error, containing: "") == 0)
        }
    }

    @Test("X13 a commit that fails is never seen; the stream ends UNAVAILABLE \"Storage unavailable.\"")
    func x13FailedCommit() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let manager = try makeManager(
                path: directory.databasePath, storageWindow: .milliseconds(300), busyTimeout: .milliseconds(20), logger: logs.logger)
            defer { manager.close() }
            let id = StreamID.random()
            let writer = try await manager.open(id, in: scope)
            try await writer.write(testChunks(0..<1))
            let reader = BackgroundReader(try await manager.subscribe(id, after: nil, in: scope))
            try await reader.wait(untilCount: 1)

            let holder = try LockHolder(path: directory.databasePath)
            try await holder.lock()
            let started = ContinuousClock.now
            await #expect(throws: StreamManagerError.storageUnavailable) { try await writer.write(testChunks(1..<2)) }
            let failedAfter = ContinuousClock.now - started
            #expect(failedAfter >= .milliseconds(300) && failedAfter < .seconds(10))
            // The database is still locked: readers here get the terminal from memory, no hang.
            #expect(try await reader.end() == nil)
            let expected = testEvents(0..<1, then: .failure(.storageUnavailable))
            #expect(reader.events == expected)
            #expect(try await readAll(try await manager.subscribe(id, after: nil, in: scope)) == expected)
            #expect(logs.count(.error, containing: "storage unavailable") >= 1)
            await #expect(throws: StreamManagerError.streamFinished) { try await writer.write(testChunks(1..<2)) }
            await #expect(throws: StreamManagerError.streamFinished) { try await writer.finish(.success(.null)) }

            // Storage is back: the next sweep stores the terminal; the failed chunk was never stored.
            try await holder.unlock()
            try await manager.sweep()
            let stored = try await holder.stored(id)
            #expect(stored.chunks == 1 && stored.status == "failed" && stored.message == "Storage unavailable.")
            #expect(try await readAll(try await manager.subscribe(id, after: nil, in: scope)) == expected)
        }
    }

    @Test("X15 disk full under a running stream: the write fails after the window, readers get UNAVAILABLE, an error is logged")
    func x15DiskFull() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let manager = try makeManager(path: directory.databasePath, storageWindow: .milliseconds(300), logger: logs.logger)
            defer { manager.close() }
            let id = StreamID.random()
            let writer = try await manager.open(id, in: scope)
            try await writer.write(testChunks(0..<2))
            let reader = BackgroundReader(try await manager.subscribe(id, after: nil, in: scope))
            try await reader.wait(untilCount: 2)

            // The disk is "full": the writer connection may not grow the file by one page.
            try await manager.withWriterConnection { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
            }
            let big = (0..<64).map { JSONBytes(unchecked: Array("\"\(String(repeating: "x", count: 4096 + $0))\"".utf8)) }
            await #expect(throws: StreamManagerError.storageUnavailable) { try await writer.write(big) }

            let expected = testEvents(0..<2, then: .failure(.storageUnavailable))
            #expect(try await reader.end() == nil)
            #expect(reader.events == expected)
            #expect(try await readAll(try await manager.subscribe(id, after: nil, in: scope)) == expected)
            // The batch was one transaction: none of it is stored, not even the chunks that fitted.
            let stored = try await LockHolder(path: directory.databasePath).stored(id)
            #expect(stored.chunks == 2)
            let errors = logs.all.filter { $0.level == .error }
            #expect(errors.contains { $0.message == "storage unavailable" && $0.metadata["flowstreams.storage.error"] == "SQLite error 13" })
            // Ids stay out of error logs (they are secrets when streams have no owner).
            #expect(errors.allSatisfy { entry in !entry.metadata.values.contains { $0.contains(id.rawValue) } })
        }
    }

    @Test("X15 the database file removed under a running stream: no silent loss, readers get UNAVAILABLE")
    func x15FileRemoved() async throws {
        try await withTemporaryDirectory { directory in
            let logs = LogCapture()
            let manager = try makeManager(path: directory.databasePath, storageWindow: .milliseconds(300), logger: logs.logger)
            defer { manager.close() }
            let id = StreamID.random()
            let writer = try await manager.open(id, in: scope)
            try await writer.write(testChunks(0..<3))
            let reader = BackgroundReader(try await manager.subscribe(id, after: nil, in: scope))
            try await reader.wait(untilCount: 3)

            try FileManager.default.removeItem(atPath: directory.databasePath)
            await #expect(throws: StreamManagerError.storageUnavailable) { try await writer.write(testChunks(3..<4)) }
            #expect(try await reader.end() == nil)
            #expect(reader.events == testEvents(0..<3, then: .failure(.storageUnavailable)))
            #expect(logs.all.contains { $0.level == .error && $0.metadata["flowstreams.storage.error"]?.contains("removed or replaced") == true })
            // Opening a new stream fails the same way instead of writing into the vanished file.
            await #expect(throws: StreamManagerError.storageUnavailable) { _ = try await manager.open(.random(), in: scope) }
        }
    }

    private func readFirst(_ manager: SQLiteStreamManager, _ id: StreamID) async throws -> StreamEvent? {
        let events = try await manager.subscribe(id, after: nil, in: scope)
        return try await withTimeLimit(.seconds(5)) {
            var iterator = events.makeAsyncIterator()
            return try await iterator.next()
        }
    }
}
