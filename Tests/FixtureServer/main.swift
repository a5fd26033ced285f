import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsSQLite
import FlowStreamsTesting
#if Vapor
import FlowStreamsVapor
#endif
import Foundation
import Logging

// A server with every docs/CONFORMANCE.md fixture, started by the tests as a child process:
//   flowstreams-fixture-server [--port N] [--plain] [--no-extensions] [--keep-alive-ms N] [--grace-ms N]
//                              [--framework hummingbird|vapor] [--file-limit N] [--max-connections N]
//                              [--idle-timeout-ms N] [--store memory|sqlite:PATH]
//   flowstreams-fixture-server --soak --store sqlite:PATH [--chunk-delay-ms N]   (scripts/soak, X16)
// Prints "FlowStreams listening on http://127.0.0.1:PORT" once bound. `--file-limit` lowers the soft
// limit on open files before anything opens (the connection limit is derived from it). `--soak`
// serves `/streamy` (a chunk every `--chunk-delay-ms`), `/silence`, `/flood` and `/debug/gauges`
// (SoakRoutes) instead of the fixtures, with no per-client limit (a thousand clients share one address).

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: index)]
}

if let files = option("--file-limit").flatMap({ rlim_t($0) }) {
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    var limit = rlimit()
    getrlimit(resource, &limit)
    limit.rlim_cur = min(files, limit.rlim_max)
    guard setrlimit(resource, &limit) == 0 else { fatalError("cannot set the file limit to \(files)") }
}
LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = Logger.Level(rawValue: option("--log-level") ?? "info") ?? .info
    return handler
}
let logger = Logger(label: "fixture-server")
var configuration = FlowServerConfiguration()
configuration.port = Int(option("--port") ?? "0") ?? 0
configuration.extensionsEnabled = !arguments.contains("--no-extensions")
if let milliseconds = option("--keep-alive-ms").flatMap(Int.init) { configuration.keepAliveInterval = .milliseconds(milliseconds) }
if let milliseconds = option("--grace-ms").flatMap(Int.init) { configuration.gracePeriod = .milliseconds(milliseconds) }
if let milliseconds = option("--idle-timeout-ms").flatMap(Int.init) { configuration.idleTimeout = .milliseconds(milliseconds) }
if let connections = option("--max-connections").flatMap(Int.init) { configuration.maximumConnections = connections }
let manager: (any StreamManager)?
switch option("--store") ?? "memory" {
case _ where arguments.contains("--plain"): manager = nil
case "memory": manager = InMemoryStreamManager()
case let store where store.hasPrefix("sqlite:"): manager = try SQLiteStreamManager(path: String(store.dropFirst(7)), logger: logger)
case let store: fatalError("--store must be memory or sqlite:PATH, not \(store)")
}

/// Either server, to mount the fixtures on.
protocol FixtureServer {
    mutating func addFlow<Input, Output, Chunk>(
        _ flow: Flow<Input, Output, Chunk>, path: String?, contextProvider: ContextProvider?)
}
extension FlowServer: FixtureServer {}
#if Vapor
extension VaporFlowServer: FixtureServer {}
#endif

func mountFixtures(on server: inout some FixtureServer) {
    server.addFlow(Fixtures.echo, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.void, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.greet, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.streamingEcho, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.counter(), path: nil, contextProvider: nil)
    server.addFlow(Fixtures.counter(name: "slowCounter", delay: .milliseconds(50)), path: nil, contextProvider: nil)
    server.addFlow(Fixtures.thrower(), path: nil, contextProvider: nil)
    server.addFlow(Fixtures.bulk, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.fail, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.mirror, path: nil, contextProvider: nil)
    server.addFlow(Fixtures.whoAmI, path: nil, contextProvider: Fixtures.authProvider)
}

let announce: @Sendable (Int) async -> Void = { port in
    FileHandle.standardOutput.write(Data("FlowStreams listening on http://127.0.0.1:\(port)\n".utf8))
}
switch option("--framework") ?? "hummingbird" {
#if Vapor
case "vapor":
    var server = VaporFlowServer(configuration: configuration, streamManager: manager, logger: logger)
    mountFixtures(on: &server)
    try await server.run(onServerRunning: announce)
#endif
case "hummingbird" where arguments.contains("--soak"):
    let gauges = GaugeRecorder()
    configuration.runner.metrics = FlowMetrics(factory: gauges)
    configuration.runner.maximumRunningStreamsPerClient = configuration.runner.maximumRunningStreams
    var server = FlowServer(configuration: configuration, streamManager: manager, logger: logger)
    SoakRoutes.mount(on: &server, chunkDelay: .milliseconds(Int(option("--chunk-delay-ms") ?? "5") ?? 5), gauges: gauges)
    try await server.run(onServerRunning: announce)
case "hummingbird":
    var server = FlowServer(configuration: configuration, streamManager: manager, logger: logger)
    mountFixtures(on: &server)
    try await server.run(onServerRunning: announce)
default:
    fatalError("--framework must be hummingbird or vapor")
}
