import FlowStreams
import FlowStreamsSQLite
import FlowStreamsTesting
import Foundation
import Logging
import Synchronization
import Testing

/// A temporary directory for one test's database files, removed by `remove()`.
struct TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("flowstreams-sqlite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var databasePath: String { path + "/streams.sqlite" }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs `body` with a temporary directory that is removed afterwards, whatever happens.
func withTemporaryDirectory<T>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    return try await body(directory)
}

/// A manager on `path` with test settings (short sweeps, given windows).
func makeManager(
    path: String, clock: ManualClock = ManualClock(), retention: Duration = .seconds(60),
    storageWindow: Duration = .seconds(10), busyTimeout: Duration = .milliseconds(50), logger: Logger = quietLogger
) throws -> SQLiteStreamManager {
    var configuration = SQLiteStreamManager.Configuration()
    configuration.retention = retention
    configuration.storageWindow = storageWindow
    configuration.busyTimeout = busyTimeout
    return try SQLiteStreamManager(path: path, configuration: configuration, clock: clock, logger: logger)
}

let quietLogger = Logger(label: "flowstreams.sqlite.tests") { _ in SwiftLogNoOpLogHandler() }

/// Chunk `index` as the tests write it: `{"n":index}`.
func testChunk(_ index: Int) -> JSONBytes { JSONBytes(unchecked: Array("{\"n\":\(index)}".utf8)) }

func testChunks(_ indices: Range<Int>) -> [JSONBytes] { indices.map(testChunk) }

/// The events of a stream of `indices.upperBound` chunks read from `indices.lowerBound`.
func testEvents(_ indices: Range<Int>, then outcome: StreamOutcome) -> [StreamEvent] {
    indices.map { .chunk(index: $0, testChunk($0)) } + [.finished(index: indices.upperBound, outcome)]
}

/// Reads a stream to its end, failing after `limit`.
func readAll(_ events: StreamEvents, limit: Duration = .seconds(10)) async throws -> [StreamEvent] {
    try await withTimeLimit(limit) {
        var all: [StreamEvent] = []
        for try await event in events { all.append(event) }
        return all
    }
}

/// Runs `operation`, failing with a timeout error when it takes longer than `limit`.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let result = try await group.next()! else {
            throw TimedOut(limit: limit)
        }
        return result
    }
}

struct TimedOut: Error, CustomStringConvertible {
    var limit: Duration
    var description: String { "no answer within \(limit)" }
}

/// A reader running in the background, its events kept for the test to look at.
final class BackgroundReader: Sendable {
    private final class Received: Sendable {
        let events = Mutex<[StreamEvent]>([])
    }

    private let received = Received()
    private let task: Task<(any Error)?, Never>

    init(_ events: StreamEvents) {
        let received = self.received
        task = Task {
            do {
                for try await event in events { received.events.withLock { $0.append(event) } }
                return nil
            } catch {
                return error
            }
        }
    }

    var events: [StreamEvent] { received.events.withLock { $0 } }

    /// Waits until the reader has `count` events.
    func wait(untilCount count: Int, timeout: Duration = .seconds(10)) async throws {
        let deadline = ContinuousClock.now + timeout
        while events.count < count {
            guard ContinuousClock.now < deadline else { throw TimedOut(limit: timeout) }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Waits until the sequence ends; returns its error, if any.
    func end(timeout: Duration = .seconds(10)) async throws -> (any Error)? {
        let task = self.task
        return try await withTimeLimit(timeout) { await task.value }
    }

    func cancel() { task.cancel() }
}

// MARK: - Captured logs

/// Collects log entries so tests can check what was logged, and at which level.
final class LogCapture: Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])

    var logger: Logger {
        var logger = Logger(label: "flowstreams.sqlite.tests") { _ in Handler(capture: self) }
        logger.logLevel = .trace
        return logger
    }

    var all: [Entry] { entries.withLock { $0 } }

    func count(_ level: Logger.Level, containing text: String) -> Int {
        all.filter { $0.level == level && $0.message.contains(text) }.count
    }

    fileprivate func append(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            capture.append(Entry(level: event.level, message: "\(event.message)", metadata: merged.mapValues { "\($0)" }))
        }
    }
}
