package import AsyncHTTPClient
import Foundation

extension FirestoreClient {
    /// Where the client connects.
    package struct Endpoint: Sendable, Hashable {
        package var host: String
        package var port: Int
        /// TLS with the system's trust roots; off only for the emulator.
        package var usesTLS: Bool

        /// Production Firestore: `firestore.googleapis.com:443` over TLS.
        package static let production = Endpoint(host: "firestore.googleapis.com", port: 443, usesTLS: true)

        /// The emulator at `host:port`, in plaintext.
        package static func emulator(host: String, port: Int) -> Endpoint {
            Endpoint(host: host, port: port, usesTLS: false)
        }

        /// `FIRESTORE_EMULATOR_HOST` (`host:port`, the convention of every Google client) when set.
        /// - Throws: `FirestoreError` `.invalidConfiguration` when it is set but not `host:port`.
        package static func emulatorFromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws(FirestoreError) -> Endpoint? {
            guard let value = environment["FIRESTORE_EMULATOR_HOST"], !value.isEmpty else { return nil }
            guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
                  (1...65_535).contains(port), colon > value.startIndex
            else {
                throw FirestoreError(code: .invalidConfiguration, reason: "FIRESTORE_EMULATOR_HOST is not host:port.")
            }
            var host = String(value[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return .emulator(host: host, port: port)
        }
    }

    /// Exponential backoff with jitter between attempts.
    package struct Backoff: Sendable, Hashable {
        /// The first delay.
        package var initial: Duration
        /// The longest delay.
        package var maximum: Duration
        /// Each delay is the previous one times this.
        package var multiplier: Double
        /// Each delay is varied randomly by up to this fraction, either way.
        package var jitter: Double

        package init(initial: Duration, maximum: Duration, multiplier: Double = 2, jitter: Double = 0.2) {
            self.initial = initial
            self.maximum = maximum
            self.multiplier = multiplier
            self.jitter = jitter
        }

        /// The delay before attempt `attempt` (1 for the first retry).
        package func delay(attempt: Int) -> Duration {
            let base = initial * pow(multiplier, Double(max(attempt - 1, 0)))
            let capped = min(base, maximum)
            return capped * max(0, 1 + Double.random(in: -jitter...jitter))
        }
    }

    /// How the client connects, authenticates and recovers. Every default is written here.
    package struct Configuration: Sendable {
        /// The project and database.
        package var database: FirestoreDatabase
        /// Where to connect. Defaults to production Firestore.
        package var endpoint: Endpoint = .production
        /// How to authenticate. Defaults to `.applicationDefault()` resolved by the caller; the
        /// emulator endpoint always uses `.emulator`.
        package var credentials: FirestoreCredentials
        /// The limit for each unary call and each query. Defaults to 10 seconds.
        package var callTimeout: Duration = .seconds(10)
        /// Between Listen reconnects. Defaults to 50 ms doubling to 5 s; reset by each snapshot.
        package var listenBackoff = Backoff(initial: .milliseconds(50), maximum: .seconds(5))
        /// Before a transaction aborted by a conflicting one runs again. Defaults to 100 ms doubling
        /// to 2 s, varied by up to 100%: transactions that conflicted do not retry in step (on the
        /// emulator, in step they abort each other again and again).
        package var transactionBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), jitter: 1)
        /// Between connection attempts of the gRPC channel. Defaults to 100 ms growing to 2 s
        /// (gRPC's own default grows to 2 minutes, too slow to notice an emulator coming back).
        package var connectionBackoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 1.6)
        /// HTTP/2 pings that detect a dead connection: every 30 s, given 10 s to answer.
        package var keepaliveInterval: Duration = .seconds(30)
        package var keepaliveTimeout: Duration = .seconds(10)
        /// How long before its expiry a token is refreshed (at most half its lifetime). Defaults to 5 minutes.
        package var tokenRefreshMargin: Duration = .minutes(5)
        /// The limit for one token request. Defaults to 10 seconds.
        package var tokenRequestTimeout: Duration = .seconds(10)
        /// The HTTP client for token requests. Defaults to `HTTPClient.shared` (never shut down by us).
        package var httpClient: HTTPClient = .shared

        package init(database: FirestoreDatabase, endpoint: Endpoint = .production, credentials: FirestoreCredentials) {
            self.database = database
            self.endpoint = endpoint
            self.credentials = credentials
        }

        /// The emulator named by `FIRESTORE_EMULATOR_HOST` when it is set, else production with
        /// `credentials`.
        /// - Throws: `FirestoreError` `.invalidConfiguration` for a malformed variable.
        package static func fromEnvironment(
            database: FirestoreDatabase, credentials: @autoclosure () throws(FirestoreError) -> FirestoreCredentials
        ) throws(FirestoreError) -> Configuration {
            if let emulator = try Endpoint.emulatorFromEnvironment() {
                return Configuration(database: database, endpoint: emulator, credentials: .emulator)
            }
            return Configuration(database: database, endpoint: .production, credentials: try credentials())
        }
    }
}

extension Duration {
    fileprivate static func minutes(_ minutes: Int64) -> Duration { .seconds(minutes * 60) }
}
