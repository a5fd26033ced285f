// swift-format-ignore-file
// README.md, section "The Swift client": made by scripts/readme-snippets, do not edit.

import FlowStreamsClient

func readmeSnippet02() async throws {
    try await withFlowClient { client in
        let stream: FlowStream<Tick, String> = try await client.streamFlow(
            url: "http://127.0.0.1:3500/streamy", input: 5)
        print("stream id:", stream.streamID!)          // known as soon as the headers arrive
        for try await tick in stream.chunks { print(tick.count) }
        print(try await stream.output)
    }
}
