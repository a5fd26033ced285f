import ArgumentParser
import FlowStreams

/// What `run` and `stream` both take: the flow's URL, its input, and extra headers.
struct FlowCallOptions: ParsableArguments {
    @Argument(help: "The flow's URL, such as http://127.0.0.1:3500/streamy.")
    var url: String

    @Option(help: "The flow's input, as JSON.")
    var input: String = "null"

    @Option(name: .customLong("header"), help: "An extra request header, 'Name: value' (repeatable).")
    var headers: [String] = []

    func validate() throws {
        _ = try inputJSON()
        _ = try headerFields()
    }

    /// The input, checked to be JSON.
    func inputJSON() throws -> JSONBytes { try CommandLineIO.json(input) }

    /// The headers as a dictionary.
    func headerFields() throws -> [String: String] { try CommandLineIO.headers(headers) }
}
