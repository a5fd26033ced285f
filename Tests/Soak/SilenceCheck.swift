import ArgumentParser
import TestSupport

/// X6 over HTTP: a flow silent for `seconds` (2 minutes by default) does not lose its reader when the
/// reader opted in (`x-flowstreams-sse: 1`): keep-alive comments carry the connection through.
struct SilenceCheck: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence", abstract: "X6: a reader survives a long silence of its flow.")

    @OptionGroup var server: ServerOptions

    @Option(help: "How long the flow is silent, in seconds.")
    var seconds: Int = 120

    func run() async throws {
        let start = ContinuousClock.now
        let reader = try await SSEStreamReader.open(
            port: server.port, path: "/silence", headers: [("x-flowstreams-sse", "1")], body: #"{"data":\#(seconds)}"#)
        var frames: [String] = []
        var keepAlives = 0
        while let frame = try await reader.nextFrame(timeout: .seconds(60)) {
            if frame.hasPrefix(":") { keepAlives += 1 } else { frames.append(frame) }
        }
        let elapsed = ContinuousClock.now - start
        let expected = ["id: 0\ndata: {\"message\":\"before\"}", "id: 1\ndata: {\"message\":\"after\"}",
                        "id: 2\ndata: {\"result\":\"silent for \(seconds) s\"}"]
        let survived = frames == expected && elapsed >= .seconds(seconds)
        print("| X6 silence | keep-alive comments | frames | wall time | survived |")
        print("|---|---|---|---|---|")
        print("| \(seconds) s | \(keepAlives) | \(frames.count) | \(formatted(elapsed)) | \(survived ? "yes" : "NO") |")
        if !survived {
            print("frames: \(frames)")
            throw ExitCode(1)
        }
    }
}
