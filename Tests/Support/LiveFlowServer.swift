public import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsVapor
public import Testing
import Logging
import Synchronization

/// The web frameworks the HTTP suites run against, each from one test body.
public enum Framework: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case hummingbird
    case vapor

    public var testDescription: String { rawValue }
}

/// The flows a test server mounts, the same on either framework.
public struct FlowMounts {
    fileprivate var hummingbird: [(inout FlowServer) -> Void] = []
    fileprivate var vapor: [(inout VaporFlowServer) -> Void] = []

    /// Mounts a flow at `<prefix>/<name>`, or at `<prefix><path>`, as `FlowServer.addFlow` does.
    public mutating func addFlow<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>, path: String? = nil, contextProvider: ContextProvider? = nil
    ) {
        hummingbird.append { $0.addFlow(flow, path: path, contextProvider: contextProvider) }
        vapor.append { $0.addFlow(flow, path: path, contextProvider: contextProvider) }
    }
}

/// Runs a `FlowServer` (Hummingbird) or a `VaporFlowServer` on an ephemeral loopback port for the
/// duration of `body`, then shuts it down.
/// - Parameters:
///   - framework: Which server. Defaults to Hummingbird.
///   - streamManager: The store (`nil` for plain streaming).
///   - configure: Adjusts the configuration (port is forced to 0); either server takes the same one.
///   - logs: Receives every log line the server writes (to check what reaches the log).
///   - flows: Mounts the flows.
///   - body: The test, given the port.
public func withFlowServer<T: Sendable>(
    framework: Framework = .hummingbird,
    streamManager: (any StreamManager)? = InMemoryStreamManager(),
    configure: (inout FlowServerConfiguration) -> Void = { _ in },
    logs: LogCapture? = nil,
    flows: (inout FlowMounts) -> Void,
    _ body: @Sendable (Int) async throws -> T
) async throws -> T {
    var configuration = FlowServerConfiguration()
    configure(&configuration)
    configuration.port = 0
    configuration.host = "127.0.0.1"
    let logger = Logger(label: "test-server") { label in
        logs.map { LogCaptureHandler(capture: $0) as any LogHandler } ?? SwiftLogNoOpLogHandler()
    }
    var mounts = FlowMounts()
    flows(&mounts)
    let run: @Sendable (_ onServerRunning: @escaping @Sendable (Int) async -> Void) async throws -> Void
    switch framework {
    case .hummingbird:
        var server = FlowServer(configuration: configuration, streamManager: streamManager, logger: logger)
        for mount in mounts.hummingbird { mount(&server) }
        run = { [server] in try await server.run(shutdownSignals: [], onServerRunning: $0) }
    case .vapor:
        var server = VaporFlowServer(configuration: configuration, streamManager: streamManager, logger: logger)
        for mount in mounts.vapor { mount(&server) }
        run = { [server] in try await server.run(shutdownSignals: [], onServerRunning: $0) }
    }
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            do {
                try await run { port in portContinuation.yield(port) }
            } catch {
                portContinuation.finish()
                throw error
            }
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestSupportError("server did not start") }
        let result: T
        do {
            result = try await body(port)
        } catch {
            group.cancelAll()
            throw error
        }
        group.cancelAll()
        while let value = try await group.next() { _ = value }
        return result
    }
}

/// Every log message a server wrote, with its metadata, for checks like "the text is in the log only".
public final class LogCapture: Sendable {
    public init() {}
    private let lines = Mutex<[String]>([])
    public func append(_ line: String) { lines.withLock { $0.append(line) } }
    public var all: [String] { lines.withLock { $0 } }
    public func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }
}

struct LogCaptureHandler: LogHandler {
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        capture.append("\(event.level) \(event.message) \(all.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " "))")
    }
}
