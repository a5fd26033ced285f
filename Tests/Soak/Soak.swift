import ArgumentParser

/// Clients against the fixture server (`flowstreams-fixture-server --soak`) on loopback: the X16
/// resume soak, readers that never read, and a 2-minute silence. `scripts/soak` runs all three; the
/// X16 test runs a small `resume`.
@main
struct Soak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flowstreams-soak",
        abstract: "Soak clients for the FlowStreams sample server (loopback only).",
        subcommands: [ResumeSoak.self, NeverReadSoak.self, SilenceCheck.self],
        defaultSubcommand: ResumeSoak.self)
}

/// Where the server is.
struct ServerOptions: ParsableArguments {
    @Option(help: "The sample server's port on 127.0.0.1.")
    var port: Int

    @Option(help: "The server's process id, to measure its resident memory.")
    var serverPID: Int32?

    var watch: ServerWatch { ServerWatch(port: port, pid: serverPID) }
}
