public import FlowStreamsHummingbird
public import FlowStreamsVapor

extension VaporFlowServer.Configuration {
    /// The settings of a Hummingbird `FlowServer.Configuration`, so one test body configures either server.
    public init(_ configuration: FlowServer.Configuration) {
        self.init()
        host = configuration.host
        port = configuration.port
        pathPrefix = configuration.pathPrefix
        bodyLimit = configuration.bodyLimit
        allowedOrigins = configuration.allowedOrigins
        allowCredentials = configuration.allowCredentials
        gracePeriod = configuration.gracePeriod
        extensionsEnabled = configuration.extensionsEnabled
        keepAliveInterval = configuration.keepAliveInterval
        retryMilliseconds = configuration.retryMilliseconds
        runner = configuration.runner
    }
}
