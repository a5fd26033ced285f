import FlowStreams
import FlowStreamsPostgres
import Foundation
import PostgresNIO
import Synchronization
import Testing
import TestSupport

/// Behaviour only PostgreSQL has: leases (C43, X6), stored before seen with a held commit (X13),
/// connection loss and a dropped schema (X15), many instances starting at once.
@Suite("PostgresStreamManager", .enabled(if: PostgresTestServer.isAvailable, PostgresTestServer.skipMessage), .tags(.timers))
struct PostgresManagerTests {
    static let scope = StreamScope(flow: "test")

    static func chunk(_ index: Int) -> JSONBytes { JSONBytes(unchecked: Array(#"{"i":\#(index)}"#.utf8)) }

    /// Reads `events` to the end (at most `timeout`).
    static func collect(_ events: StreamEvents, timeout: Duration = .seconds(20)) async throws -> [StreamEvent] {
        try await withTimeout(timeout) {
            var all: [StreamEvent] = []
            for try await event in events { all.append(event) }
            return all
        }
    }

    static func shortLease(_ configuration: inout PostgresStreamManager.Configuration) {
        configuration.leaseExpiry = .milliseconds(600)
        configuration.leaseRenewal = .milliseconds(200)
    }

    @Test("C43 a writer whose instance stopped renewing ends UNAVAILABLE \"Stream writer lost.\" for readers on another instance, within expiry + renewal; the writer is fenced out")
    func lostWriter() async throws {
        let a = try await PostgresFixture.start(runManager: false, configure: Self.shortLease)  // renews nothing
        let b = try await PostgresFixture.start(schema: a.schema, configure: Self.shortLease)
        let id = StreamID.random()
        let writer = try await a.manager.open(id, in: Self.scope)
        try await writer.write([Self.chunk(0), Self.chunk(1)])
        let events = try await b.manager.subscribe(id, after: nil, in: Self.scope)
        let stopped = ContinuousClock.now
        let all = try await Self.collect(events)
        let waited = ContinuousClock.now - stopped
        #expect(all == [.chunk(index: 0, Self.chunk(0)), .chunk(index: 1, Self.chunk(1)),
                        .finished(index: 2, .failure(.writerLost))])
        // Liveness bound (expiry 600 ms + renewal 200 ms), with room for a loaded machine.
        #expect(waited < .seconds(3), "took \(waited)")
        // Ended exactly once: a later write through the dead writer is fenced out.
        await #expect(throws: StreamManagerError.streamFinished) { try await writer.write([Self.chunk(2)]) }
        await #expect(throws: StreamManagerError.streamFinished) { try await writer.finish(.success(JSONBytes(unchecked: Array("1".utf8)))) }
        #expect(try await Self.collect(try await b.manager.subscribe(id, after: 1, in: Self.scope))
                == [.finished(index: 2, .failure(.writerLost))])
        await a.stop(dropSchema: false)
        await b.stop()
    }

    @Test("C43 X6 a writer silent for 3× the lease expiry is not ended while its instance renews")
    func silentWriterLives() async throws {
        let a = try await PostgresFixture.start(configure: Self.shortLease)
        let b = try await PostgresFixture.start(schema: a.schema, configure: Self.shortLease)
        let id = StreamID.random()
        let writer = try await a.manager.open(id, in: Self.scope)
        try await writer.write([Self.chunk(0)])
        let events = try await b.manager.subscribe(id, after: nil, in: Self.scope)
        let reading = Task { try await Self.collect(events) }
        try await Task.sleep(for: .milliseconds(1800))  // the silence under test, not a wait for an event
        try await writer.write([Self.chunk(1)])
        try await writer.finish(.success(JSONBytes(unchecked: Array("42".utf8))))
        #expect(try await reading.value == [
            .chunk(index: 0, Self.chunk(0)), .chunk(index: 1, Self.chunk(1)),
            .finished(index: 2, .success(JSONBytes(unchecked: Array("42".utf8)))),
        ])
        await b.stop(dropSchema: false)
        await a.stop()
    }

    @Test("X13 a chunk whose commit is held back is seen by no reader until it commits")
    func heldCommit() async throws {
        try await PostgresFixture.with { fixture in
            let id = StreamID.random()
            let writer = try await fixture.manager.open(id, in: Self.scope)
            try await writer.write([Self.chunk(0)])
            let events = try await fixture.manager.subscribe(id, after: 0, in: Self.scope)
            let seen = Mutex<[StreamEvent]>([])
            let reading = Task {
                for try await event in events { seen.withLock { $0.append(event) } }
            }
            let locked = AsyncStream<Void>.makeStream()
            let release = AsyncStream<Void>.makeStream()
            let holder = Task {
                try await fixture.client.withTransaction(logger: PostgresTestServer.quietLogger) { connection in
                    try await connection.query("""
                        SELECT id FROM \(unescaped: "\"\(fixture.schema)\"").flowstreams_streams WHERE id = \(id.rawValue) FOR UPDATE
                        """, logger: PostgresTestServer.quietLogger)
                    locked.continuation.yield()
                    var iterator = release.stream.makeAsyncIterator()
                    _ = await iterator.next()
                }
            }
            var lockIterator = locked.stream.makeAsyncIterator()
            _ = await lockIterator.next()
            let writing = Task { try await writer.write([Self.chunk(1)]) }
            try await Task.sleep(for: .milliseconds(500))  // the window in which nothing may be seen
            #expect(seen.withLock { $0 }.isEmpty)
            release.continuation.yield()
            try await holder.value
            try await writing.value
            try await waitUntil(timeout: .seconds(10)) { seen.withLock { $0 } == [.chunk(index: 1, Self.chunk(1))] }
            reading.cancel()
        }
    }

    @Test("connections killed mid-stream: the writer reconnects, the reader gets every chunk once")
    func connectionLoss() async throws {
        let schema = PostgresTestServer.newSchema()
        let fixture = try await PostgresFixture.start(schema: schema)
        let id = StreamID.random()
        let writer = try await fixture.manager.open(id, in: Self.scope)
        let events = try await fixture.manager.subscribe(id, after: nil, in: Self.scope)
        let reading = Task { try await Self.collect(events, timeout: .seconds(30)) }
        let admin = try await PostgresFixture.start()  // a second client: its connections survive
        for batch in 0..<20 {
            try await writer.write((0..<10).map { Self.chunk(batch * 10 + $0) })
            if batch == 5 || batch == 12 {
                try await admin.client.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE pid <> pg_backend_pid() AND datname = current_database()
                      AND application_name = \(schema)
                    """)
            }
        }
        try await writer.finish(.success(JSONBytes(unchecked: Array("true".utf8))))
        let all = try await reading.value
        #expect(all == (0..<200).map { .chunk(index: $0, Self.chunk($0)) } + [.finished(index: 200, .success(JSONBytes(unchecked: Array("true".utf8))))])
        await admin.stop()
        await fixture.stop()
    }

    @Test("X15 the schema dropped under a running stream: the write fails UNAVAILABLE, readers get UNAVAILABLE, no hang")
    func schemaDropped() async throws {
        let fixture = try await PostgresFixture.start()
        let id = StreamID.random()
        let writer = try await fixture.manager.open(id, in: Self.scope)
        try await writer.write([Self.chunk(0)])
        let events = try await fixture.manager.subscribe(id, after: nil, in: Self.scope)
        let reading = Task { try await Self.collect(events) }
        try await fixture.client.query("DROP SCHEMA \(unescaped: "\"\(fixture.schema)\"") CASCADE")
        await #expect(throws: StreamManagerError.storageUnavailable) { try await writer.write([Self.chunk(1)]) }
        // The reader ends UNAVAILABLE: as a terminal event when the failed write ended the stream
        // first, or as the error of its own failed read when that came first.
        do {
            let all = try await reading.value
            #expect(all.first == .chunk(index: 0, Self.chunk(0)))
            #expect(all.last == .finished(index: 1, .failure(.storageUnavailable)))
        } catch let error as StreamManagerError {
            #expect(error == .storageUnavailable)
        }
        await fixture.stop(dropSchema: false)
    }

    @Test("several instances migrating one new schema at once all start")
    func concurrentMigrations() async throws {
        let schema = PostgresTestServer.newSchema()
        let fixtures = try await withThrowingTaskGroup(of: PostgresFixture.self) { group in
            for _ in 0..<4 { group.addTask { try await PostgresFixture.start(schema: schema, runManager: false) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let id = StreamID.random()
        let writer = try await fixtures[0].manager.open(id, in: Self.scope)
        try await writer.finish(.success(JSONBytes(unchecked: Array("1".utf8))))
        let events = try await fixtures[3].manager.subscribe(id, after: nil, in: Self.scope)
        #expect(try await Self.collect(events) == [.finished(index: 0, .success(JSONBytes(unchecked: Array("1".utf8))))])
        for (index, fixture) in fixtures.enumerated() { await fixture.stop(dropSchema: index == 0) }
    }

    @Test("a bad schema name or a renewal not shorter than the expiry is refused")
    func invalidConfiguration() throws {
        let client = PostgresClient(configuration: try PostgresTestServer.clientConfiguration())
        var configuration = PostgresStreamManager.Configuration()
        configuration.schema = "x; DROP TABLE y"
        #expect(throws: PostgresStreamManagerError.self) {
            _ = try PostgresStreamManager(client: client, configuration: configuration, logger: PostgresTestServer.quietLogger)
        }
        configuration = .init()
        configuration.leaseRenewal = .seconds(20)
        #expect(throws: PostgresStreamManagerError.self) {
            _ = try PostgresStreamManager(client: client, configuration: configuration, logger: PostgresTestServer.quietLogger)
        }
    }
}
