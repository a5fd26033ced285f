// swift-format-ignore-file
// README.md, section "Define and serve a flow": made by scripts/readme-snippets, do not edit.

import FlowStreams
import FlowStreamsHummingbird
import Logging

func readmeSnippet04() async throws {
    let streamy = Flow("streamy") { (count: Int, context: FlowContext<Tick>) in
        guard (0...10_000).contains(count) else {   // without this, -1 traps in 0..<count
            throw FlowError(status: .invalidArgument, message: "data must be from 0 to 10000, not \(count).")
        }
        for i in 0..<count { try await context.sendChunk(Tick(count: i)) }
        return "done: \(count), streamed: \(count) times"
    }
}
