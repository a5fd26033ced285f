import ArgumentParser
import FlowStreams
import FlowStreamsClient

/// `durable-streaming run <url> --input JSON`: a non-streaming call; prints the output's JSON.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a flow without streaming and print its result JSON.")

    @Argument(help: "The flow's URL, such as http://127.0.0.1:3500/streamy.")
    var url: String

    @Option(help: "The flow's input, as JSON.")
    var input: String = "null"

    @Option(name: .customLong("header"), help: "An extra request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    func validate() throws {
        _ = try CommandLineIO.json(input)
        _ = try CommandLineIO.headers(headers)
    }

    func run() async throws {
        let input = try CommandLineIO.json(input)
        let headers = try CommandLineIO.headers(headers)
        do {
            let output = try await withFlowClient { client in
                try await client.runFlowJSON(url: url, input: input, headers: headers)
            }
            CommandLineIO.printLine(String(decoding: output.bytes, as: UTF8.self))
        } catch let error as FlowClientError {
            CommandLineIO.printError("error: \(error.status.name): \(error.message)")
            throw ExitCode(1)
        }
    }
}
