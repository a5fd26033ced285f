// swift-format-ignore-file
// README.md, section "Define and serve a flow": made by scripts/readme-snippets, do not edit.

import FlowStreams
import FlowStreamsHummingbird
import Logging

struct Tick: Codable, Sendable { var count: Int }

let streamy = Flow("streamy") { (count: Int, context: FlowContext<Tick>) in
    for i in 0..<count {
        try await Task.sleep(for: .seconds(1))
        try await context.sendChunk(Tick(count: i))   // waits only when the write buffer is full
    }
    return "done: \(count), streamed: \(count) times"
}

@main struct App {
    static func main() async throws {
        var server = FlowServer(streamManager: InMemoryStreamManager(), logger: Logger(label: "app"))
        server.addFlow(streamy)                       // POST /streamy
        try await server.run()                        // port: configuration, else $PORT, else 3400
    }
}
