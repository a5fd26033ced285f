import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
package import Logging
import ServiceLifecycle

/// A small client for Cloud Firestore's gRPC API (`google.firestore.v1.Firestore`): documents by
/// name, commits with preconditions, transactions, queries, and Listen.
///
/// It is a `Service`: its `run()` keeps the connection (start it before or with the first call;
/// calls made before it runs wait for it). Errors are `FirestoreError`s.
///
/// ```swift
/// let client = try FirestoreClient(configuration: .fromEnvironment(
///     database: try FirestoreDatabase(projectID: "demo"), credentials: .applicationDefault()), logger: logger)
/// try await withThrowingDiscardingTaskGroup { group in
///     group.addTask { try await client.run() }
///     let document = try await client.get(client.database.documentName("streams/abc"))
///     client.shutdown()
/// }
/// ```
package final class FirestoreClient: Service, Sendable {
    package let configuration: Configuration
    let logger: Logger
    let grpc: GRPCClient<HTTP2ClientTransport.Posix>
    let stub: Google_Firestore_V1_Firestore.Client<HTTP2ClientTransport.Posix>

    /// The largest request or response message: Firestore takes commits of up to 10 MiB.
    static let maximumMessageBytes = 16 * 1024 * 1024

    /// - Parameters:
    ///   - configuration: Where to connect and how to authenticate.
    ///   - logger: For connection and Listen events, at debug and trace.
    ///   - clock: Times token refreshes. Defaults to the continuous clock.
    /// - Throws: `FirestoreError` `.invalidConfiguration` when the endpoint cannot be used.
    package init(
        configuration: Configuration, logger: Logger, clock: some Clock<Duration> = ContinuousClock()
    ) throws(FirestoreError) {
        self.configuration = configuration
        self.logger = logger
        var transportConfig = HTTP2ClientTransport.Posix.Config.defaults
        transportConfig.backoff = .init(
            initial: configuration.connectionBackoff.initial, max: configuration.connectionBackoff.maximum,
            multiplier: configuration.connectionBackoff.multiplier, jitter: configuration.connectionBackoff.jitter)
        transportConfig.connection.keepalive = .init(
            time: configuration.keepaliveInterval, timeout: configuration.keepaliveTimeout, allowWithoutCalls: false)
        let endpoint = configuration.endpoint
        let transport: HTTP2ClientTransport.Posix
        do {
            transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: endpoint.host, port: endpoint.port),
                transportSecurity: endpoint.usesTLS ? .tls() : .plaintext,
                config: transportConfig)
        } catch {
            throw FirestoreError(code: .invalidConfiguration, reason: "The Firestore endpoint cannot be used.", underlying: error)
        }
        let tokens: any AccessTokenSource
        if case .emulator = configuration.credentials.source {
            tokens = EmulatorAuthorization()
        } else {
            let fetcher = TokenFetcher(
                credentials: configuration.credentials, httpClient: configuration.httpClient,
                timeout: configuration.tokenRequestTimeout)
            tokens = AccessTokenCache(fetcher: fetcher, clock: clock, refreshMargin: configuration.tokenRefreshMargin)
        }
        grpc = GRPCClient(
            transport: transport,
            interceptors: [AuthorizationInterceptor(tokens: tokens, database: configuration.database)])
        stub = Google_Firestore_V1_Firestore.Client(wrapping: grpc)
    }

    /// The project and database the client works on.
    package var database: FirestoreDatabase { configuration.database }

    /// Keeps the connection until graceful shutdown (or `shutdown()`), letting calls in flight finish;
    /// cancelling the task ends them at once.
    package func run() async throws {
        try await withGracefulShutdownHandler {
            do {
                try await grpc.runConnections()
            } catch {
                throw FirestoreError.wrapping(error, operation: "The connection")
            }
        } onGracefulShutdown: {
            self.grpc.beginGracefulShutdown()
        }
    }

    /// Stops taking calls and ends `run()` once the calls in flight are done. Listens in flight end
    /// only when their tasks are cancelled.
    package func shutdown() {
        grpc.beginGracefulShutdown()
    }

    /// The options of unary calls and queries: the call timeout and message limits.
    var callOptions: CallOptions {
        var options = CallOptions.defaults
        options.timeout = configuration.callTimeout
        options.maxRequestMessageBytes = Self.maximumMessageBytes
        options.maxResponseMessageBytes = Self.maximumMessageBytes
        return options
    }

    /// Runs one call, mapping what it throws to `FirestoreError`.
    func call<T>(_ operation: String, _ body: () async throws -> T) async throws(FirestoreError) -> T {
        do {
            return try await body()
        } catch {
            let mapped = FirestoreError.wrapping(error, operation: operation)
            logger.trace("Firestore call failed", metadata: ["firestore.operation": "\(operation)", "firestore.code": "\(mapped.code)"])
            throw mapped
        }
    }
}
