import Foundation
import ArgumentParser
import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsSQLite
import Logging

/// `durable-streaming serve`: the sample server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve /streamy and /streamyThrowy (the default command).")

    @Option(help: "The port to listen on.")
    var port: Int = 3500

    @Option(help: "The address to bind (0.0.0.0 in containers).")
    var host: String = "127.0.0.1"

    @Option(help: "Delay before each chunk, in milliseconds.")
    var chunkDelayMs: Int = 1000

    @Option(help: "Seconds running flows get to finish on SIGTERM/SIGINT.")
    var gracePeriodSeconds: Int = 30

    @Option(help: "Where streams are kept: sqlite:PATH (survives restarts) or memory.")
    var store: String = "sqlite:./durable-streaming.sqlite"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "durable-streaming")
        var configuration = FlowServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.gracePeriod = .seconds(gracePeriodSeconds)
        let streamManager = try StoreOption(store).makeManager(logger: logger)
        var server = FlowServer(configuration: configuration, streamManager: streamManager, logger: logger)
        let delay = Duration.milliseconds(chunkDelayMs)
        server.addFlow(SampleFlows.streamy(delay: delay))
        server.addFlow(SampleFlows.streamyThrowy(delay: delay))
        server.addRoutes(WebPage.routes)
        let host = self.host
        try await server.run { port in
            FileHandle.standardOutput.write(Data("FlowStreams listening on http://\(host):\(port)\n".utf8))
        }
    }
}
