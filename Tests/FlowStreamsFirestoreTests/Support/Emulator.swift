import FlowStreamsFirestore
import Foundation
import Logging
import Testing

/// The Firestore emulator named by `FIRESTORE_EMULATOR_HOST` (`scripts/firestore` sets it).
enum Emulator {
    static let endpoint: FirestoreClient.Endpoint? = try? FirestoreClient.Endpoint.emulatorFromEnvironment()

    /// Skips a test when no emulator is set, saying how to run it.
    static let required = Testing.ConditionTrait.enabled(
        if: endpoint != nil, "FIRESTORE_EMULATOR_HOST is not set: run under scripts/firestore")

    static let quietLogger: Logger = {
        var logger = Logger(label: "flowstreams.firestore.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["FLOWSTREAMS_TEST_LOG"] .flatMap { Logger.Level(rawValue: $0) } ?? .critical
        return logger
    }()

    /// A project id no other test uses: the emulator keeps each project's data apart.
    static func newProjectID() -> String {
        "flowstreams-\(UUID().uuidString.lowercased().prefix(13))"
    }

    static func configuration(
        projectID: String = newProjectID(), endpoint: FirestoreClient.Endpoint? = nil
    ) throws -> FirestoreClient.Configuration {
        var configuration = FirestoreClient.Configuration(
            database: try FirestoreDatabase(projectID: projectID), endpoint: endpoint ?? self.endpoint!, credentials: .emulator)
        // The emulator is a JVM on a machine shared with the whole suite: a loaded one answers slowly.
        configuration.callTimeout = .seconds(30)
        configuration.listenBackoff = .init(initial: .milliseconds(20), maximum: .milliseconds(500))
        configuration.connectionBackoff = .init(initial: .milliseconds(20), maximum: .milliseconds(200))
        return configuration
    }

    /// Runs `body` with a running client, stopped afterwards.
    static func withClient<T: Sendable>(
        _ configuration: FirestoreClient.Configuration, _ body: (FirestoreClient) async throws -> T
    ) async throws -> T {
        let client = try FirestoreClient(configuration: configuration, logger: quietLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await client.run() }
            defer {
                client.shutdown()
                group.cancelAll()
            }
            return try await body(client)
        }
    }

    /// Runs `body` with a running client on a project of its own.
    static func withClient<T: Sendable>(projectID: String = newProjectID(), _ body: (FirestoreClient) async throws -> T) async throws -> T {
        try await withClient(try configuration(projectID: projectID), body)
    }
}
