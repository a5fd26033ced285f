import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsSQLite
import Foundation
import Logging

// flowstreams-bench-server --store memory|sqlite:PATH|none
// Serves /firehose: input n → n chunks {"i":k,"pad":"…"} of about 40 bytes, as fast as the buffer takes them.

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

struct Chunk: Codable, Sendable {
    var i: Int
    var pad: String
}

let logger = Logger(label: "bench-server") { _ in SwiftLogNoOpLogHandler() }
let store = option("--store") ?? "memory"
let manager: (any StreamManager)?
switch store {
case "none": manager = nil
case "memory": manager = InMemoryStreamManager()
default:
    guard store.hasPrefix("sqlite:") else { fatalError("--store memory|sqlite:PATH|none") }
    manager = try SQLiteStreamManager(path: String(store.dropFirst(7)), logger: logger)
}
var configuration = FlowServer.Configuration()
configuration.port = 0
var server = FlowServer(configuration: configuration, streamManager: manager, logger: logger)
server.addFlow(Flow<Int, Int, Chunk>("firehose") { count, context in
    for index in 0..<count { try await context.sendChunk(Chunk(i: index, pad: "abcdefghijklmnopqrst")) }
    return count
})
try await server.run { port in
    FileHandle.standardOutput.write(Data("FlowStreams listening on http://127.0.0.1:\(port)\n".utf8))
}
