import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import Logging

// A server with every CONFORMANCE.md fixture, started by the tests as a child process:
//   flowstreams-fixture-server [--port N] [--plain] [--no-extensions] [--keep-alive-ms N] [--grace-ms N]
// Prints "FlowStreams listening on http://127.0.0.1:PORT" once bound.

let arguments = CommandLine.arguments.dropFirst()
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), arguments.index(after: index) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: index)]
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = Logger.Level(rawValue: option("--log-level") ?? "info") ?? .info
    return handler
}
let logger = Logger(label: "fixture-server")
var configuration = FlowServer.Configuration()
configuration.port = Int(option("--port") ?? "0") ?? 0
configuration.extensionsEnabled = !arguments.contains("--no-extensions")
if let milliseconds = option("--keep-alive-ms").flatMap(Int.init) { configuration.keepAliveInterval = .milliseconds(milliseconds) }
if let milliseconds = option("--grace-ms").flatMap(Int.init) { configuration.gracePeriod = .milliseconds(milliseconds) }
let manager: (any StreamManager)? = arguments.contains("--plain") ? nil : InMemoryStreamManager()
var server = FlowServer(configuration: configuration, streamManager: manager, logger: logger)
server.addFlow(Fixtures.echo)
server.addFlow(Fixtures.void)
server.addFlow(Fixtures.greet)
server.addFlow(Fixtures.streamingEcho)
server.addFlow(Fixtures.counter())
server.addFlow(Fixtures.counter(name: "slowCounter", delay: .milliseconds(50)))
server.addFlow(Fixtures.thrower())
server.addFlow(Fixtures.bulk)
server.addFlow(Fixtures.fail)
server.addFlow(Fixtures.mirror)
server.addFlow(Fixtures.whoAmI, contextProvider: Fixtures.authProvider)
try await server.run { port in
    FileHandle.standardOutput.write(Data("FlowStreams listening on http://127.0.0.1:\(port)\n".utf8))
}
