import ArgumentParser

@main
struct DurableStreaming: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "durable-streaming",
        abstract: "FlowStreams' sample: Genkit's streamy and streamyThrowy flows, durable.",
        subcommands: [Serve.self, StreamCommand.self, RunCommand.self],
        defaultSubcommand: Serve.self
    )
}
