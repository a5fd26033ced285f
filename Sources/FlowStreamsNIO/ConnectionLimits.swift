package import FlowStreams
package import Logging
package import NIOHTTP1

/// The connection limits of one server, read from its configuration once at start: what every
/// connection's handlers enforce, and the registry that counts connections against the maximum.
package struct ConnectionLimits: Sendable {
    /// From the first byte of a request to its end.
    package var requestReadDeadline: Duration
    /// Without a request, before the first one or between keep-alive requests.
    package var idleTimeout: Duration
    /// The request head, all fields and each one.
    package var maximumHeaderBytes: Int
    /// Header fields per request.
    package var maximumHeaderCount: Int
    /// Where open connections are counted.
    package let registry: ConnectionRegistry
    package let logger: Logger

    /// - Parameters:
    ///   - configuration: The server's settings (`maximumConnections` resolved against the file limit now).
    ///   - logger: Where closed connections are logged (at debug).
    package init(_ configuration: FlowServerConfiguration, logger: Logger) {
        requestReadDeadline = configuration.requestReadDeadline
        idleTimeout = configuration.idleTimeout
        maximumHeaderBytes = configuration.maximumHeaderBytes
        maximumHeaderCount = configuration.maximumHeaderCount
        registry = ConnectionRegistry(
            maximumConnections: configuration.resolvedMaximumConnections(), metrics: configuration.runner.metrics,
            logger: logger)
        self.logger = logger
    }

    /// The HTTP/1 decoder's limits.
    package var decoderLimits: NIOHTTPDecoderLimitConfiguration {
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderFieldSize = maximumHeaderBytes
        limits.maxHeaderListSize = maximumHeaderBytes
        limits.maxHeaderFieldCount = maximumHeaderCount
        return limits
    }
}
