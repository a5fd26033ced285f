import ArgumentParser
import FlowStreams
import FlowStreamsClient

/// `durable-streaming run <url> --input JSON`: a non-streaming call; prints the output's JSON.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a flow without streaming and print its result JSON.")

    @OptionGroup var call: FlowCallOptions

    func run() async throws {
        let input = try call.inputJSON()
        let headers = try call.headerFields()
        do {
            let output = try await withFlowClient { client in
                try await client.runFlowJSON(url: call.url, input: input, headers: headers)
            }
            CommandLineIO.printLine(String(decoding: output.bytes, as: UTF8.self))
        } catch let error as FlowClientError {
            CommandLineIO.printError("error: \(error.status.name): \(error.message)")
            throw ExitCode(1)
        }
    }
}
