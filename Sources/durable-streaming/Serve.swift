import Foundation
import ArgumentParser
import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsSQLite
import FlowStreamsVapor
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

    @Option(help: "Where streams are kept: sqlite:PATH (survives restarts), memory, or postgres://USER@HOST:PORT/DB (many instances).")
    var store: String = "sqlite:./durable-streaming.sqlite"

    @Option(help: "PostgreSQL only: how long a dead instance's streams wait before ending UNAVAILABLE (default 15000).")
    var leaseExpiryMs: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "The web framework: hummingbird or vapor (the same routes and options).")
    var framework: WebFramework = .hummingbird

    enum WebFramework: String, ExpressibleByArgument {
        case hummingbird, vapor
    }

    @Flag(help: .hidden)  // scripts/soak only: see TestHooks
    var testHooks = false

    func run() async throws {
        FileLimit.raiseToHardLimit()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "durable-streaming")
        let streamManager = try StoreOption(store).makeManager(leaseExpiry: leaseExpiryMs.map { .milliseconds($0) }, logger: logger)
        let delay = Duration.milliseconds(chunkDelayMs)
        let host = self.host
        let announce: @Sendable (Int) async -> Void = { port in
            FileHandle.standardOutput.write(Data("FlowStreams listening on http://\(host):\(port)\n".utf8))
        }
        switch framework {
        case .hummingbird:
            let gauges = GaugeRecorder()  // --test-hooks only
            var server = FlowServer(configuration: TestHooks.configure(settings, gauges: testHooks ? gauges : nil),
                                    streamManager: streamManager, logger: logger)
            server.addFlow(SampleFlows.streamy(delay: delay))
            server.addFlow(SampleFlows.streamyThrowy(delay: delay))
            server.addRoutes(WebPage.routes)
            if testHooks { TestHooks.mount(on: &server, gauges: gauges) }
            try await server.run(onServerRunning: announce)
        case .vapor:
            var server = VaporFlowServer(configuration: settings, streamManager: streamManager, logger: logger)
            server.addFlow(SampleFlows.streamy(delay: delay))
            server.addFlow(SampleFlows.streamyThrowy(delay: delay))
            server.addRoutes(WebPage.vaporRoutes)
            try await server.run(onServerRunning: announce)
        }
    }

    /// The configuration of either server with this command's options. No CORS: the page is
    /// served by this server (same origin) and needs none.
    private var settings: FlowServerConfiguration {
        var configuration = FlowServerConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.gracePeriod = .seconds(gracePeriodSeconds)
        // scripts/soak (--test-hooks only) runs a thousand clients from one address.
        if testHooks { configuration.runner.maximumRunningStreamsPerClient = configuration.runner.maximumRunningStreams }
        return configuration
    }
}
