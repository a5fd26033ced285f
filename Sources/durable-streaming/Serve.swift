import Foundation
import ArgumentParser
import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsSQLite
import FlowStreamsVapor
import Logging

/// `durable-streaming serve`: the sample server.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve /chat, /streamy, /streamyThrowy, the page, /healthz and /readyz (the default command).",
        discussion: """
            Environment: PORT, HOST, FLOWSTREAMS_STORE and LOG_LEVEL (a flag wins); OPENAI_BASE_URL, \
            OPENAI_API_KEY and OPENAI_MODEL for the chat flow's model API.
            """)

    // port, host, store and logLevel: the flag, else the environment, else the default (Serve+Environment).
    @Option(name: .customLong("port"), help: ArgumentHelp("The port to listen on (default: $PORT, else 3500).", valueName: "port"))
    var portOption: Int?

    @Option(name: .customLong("host"), help: ArgumentHelp("The address to bind, 0.0.0.0 in containers (default: $HOST, else 127.0.0.1).", valueName: "host"))
    var hostOption: String?

    @Option(help: "Delay before each chunk, in milliseconds.")
    var chunkDelayMs: Int = 1000

    @Option(help: "Seconds running flows get to finish on SIGTERM/SIGINT.")
    var gracePeriodSeconds: Int = 30

    @Option(name: .customLong("store"), help: ArgumentHelp(
        "Where streams are kept: sqlite:PATH (survives restarts), memory, or postgres://USER@HOST:PORT/DB (many instances) (default: $FLOWSTREAMS_STORE, else sqlite:./durable-streaming.sqlite).",
        valueName: "store"))
    var storeOption: String?

    @Option(help: "PostgreSQL only: how long a dead instance's streams wait before ending UNAVAILABLE (default 15000).")
    var leaseExpiryMs: Int?

    @Option(name: .customLong("log-level"), help: ArgumentHelp(
        "Log level: trace, debug, info, notice, warning, error, critical (default: $LOG_LEVEL, else info).", valueName: "level"))
    var logLevelOption: String?

    @Option(help: "The chat flow: how long the model API may send nothing before the answer fails DEADLINE_EXCEEDED, in milliseconds.")
    var chatStallTimeoutMs: Int = 30_000

    @Option(help: "The web framework: hummingbird or vapor (the same routes and options).")
    var framework: WebFramework = .hummingbird

    enum WebFramework: String, ExpressibleByArgument {
        case hummingbird, vapor
    }

    func validate() throws {
        try validateEnvironment()
        _ = try chatModelConfiguration()
    }

    func run() async throws {
        FileLimit.raiseToHardLimit()
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "durable-streaming")
        let streamManager = try StoreOption(store).makeManager(leaseExpiry: leaseExpiryMs.map { .milliseconds($0) }, logger: logger)
        let host = self.host
        let announce: @Sendable (Int) async -> Void = { port in
            FileHandle.standardOutput.write(Data("FlowStreams listening on http://\(host):\(port)\n".utf8))
        }
        try await withChatModel(logger: logger) { chatModel in
            try await serve(streamManager: streamManager, chatModel: chatModel, logger: logger, announce: announce)
        }
    }

    /// Serves every flow and route on the chosen framework until shutdown.
    private func serve(
        streamManager: any StreamManager,
        chatModel: ChatModel?,
        logger: Logger,
        announce: @escaping @Sendable (Int) async -> Void
    ) async throws {
        let delay = Duration.milliseconds(chunkDelayMs)
        let health = Health(streamManager: streamManager)
        switch framework {
        case .hummingbird:
            var server = FlowServer(configuration: settings, streamManager: streamManager, logger: logger)
            server.addFlow(SampleFlows.streamy(delay: delay))
            server.addFlow(SampleFlows.streamyThrowy(delay: delay))
            server.addFlow(SampleFlows.chat(model: chatModel))
            server.addRoutes(WebPage.routes)
            server.addRoutes(health.routes)
            try await server.run(onServerRunning: announce)
        case .vapor:
            var server = VaporFlowServer(configuration: settings, streamManager: streamManager, logger: logger)
            server.addFlow(SampleFlows.streamy(delay: delay))
            server.addFlow(SampleFlows.streamyThrowy(delay: delay))
            server.addFlow(SampleFlows.chat(model: chatModel))
            server.addRoutes(WebPage.vaporRoutes)
            server.addRoutes(health.vaporRoutes)
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
        return configuration
    }
}
