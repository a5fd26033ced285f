import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsPostgres
import FlowStreamsSQLite
import Foundation
import Logging
import PostgresNIO

// flowstreams-bench-server --mode flows --store none|memory|sqlite:PATH|postgres://USER@HOST:PORT/DB
// flowstreams-bench-server --mode bare [--frames-per-write 1|1024]   (B1 row (a): Hummingbird, pre-encoded frames)
// flowstreams-bench-server --mode calibrate   (a raw socket writing pre-encoded frames: the reader's test)
// Prints "… listening on http://127.0.0.1:PORT" once it accepts connections.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func announce(_ what: String, port: Int) {
    FileHandle.standardOutput.write(Data("\(what) listening on http://127.0.0.1:\(port)\n".utf8))
}

let logger = Logger(label: "bench-server") { _ in SwiftLogNoOpLogHandler() }
switch option("--mode") ?? "flows" {
case "bare":
    try await BareServer.run(framesPerWrite: Int(option("--frames-per-write") ?? "1") ?? 1) { port in announce("Hummingbird", port: port) }
case "calibrate":
    try CalibrationServer.run { port in announce("Calibration", port: port) }
default:
    let store = option("--store") ?? "memory"
    let manager: (any StreamManager)?
    switch store {
    case "none": manager = nil
    case "memory": manager = InMemoryStreamManager()
    default:
        if store.hasPrefix("postgres"), let client = PostgresClient.Configuration(flowStreamsURL: store) {
            manager = try PostgresStreamManager(clientConfiguration: client, logger: logger)
        } else {
            guard store.hasPrefix("sqlite:") else { fatalError("--store none|memory|sqlite:PATH|postgres://…") }
            manager = try SQLiteStreamManager(path: String(store.dropFirst(7)), logger: logger)
        }
    }
    var configuration = FlowServer.Configuration()
    configuration.port = Int(option("--port") ?? "0")
    configuration.gracePeriod = .seconds(1)
    configuration.runner.maximumRunningStreams = 100_000
    configuration.runner.maximumRunningStreamsPerClient = 100_000  // every stream comes from the one load generator
    // Firehose runs are sized to last 5 s, which is more than the default 10^6 chunks a run today.
    configuration.runner.maximumStreamChunks = .max
    configuration.runner.maximumStreamBytes = .max
    var server = FlowServer(configuration: configuration, streamManager: manager, logger: logger)
    server.addFlow(BenchFlows.firehose)
    server.addFlow(BenchFlows.ticker)
    try await server.run { port in announce("FlowStreams", port: port) }
}
