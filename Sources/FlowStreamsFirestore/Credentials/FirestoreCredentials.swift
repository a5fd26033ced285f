import Foundation

/// How FlowStreams authenticates to Firestore.
///
/// ```swift
/// .emulator                                           // FIRESTORE_EMULATOR_HOST: "Bearer owner"
/// try .serviceAccountKey(contentsOfFile: "key.json")  // an RS256 JWT exchanged at the key's token_uri
/// .metadataServer                                     // Cloud Run, GCE, GKE
/// .accessToken { FirestoreAccessToken(value: try await mine(), expiresIn: .seconds(3600)) }
/// ```
public struct FirestoreCredentials: Sendable {
    enum Source: Sendable {
        case emulator
        case serviceAccount(ServiceAccountKey)
        case metadataServer(host: String?)
        case provider(@Sendable () async throws -> FirestoreAccessToken)
    }

    let source: Source

    /// The emulator's credentials: every call sends `Authorization: Bearer owner`, which the
    /// emulator treats as an administrator (security rules do not apply).
    public static let emulator = FirestoreCredentials(source: .emulator)

    /// A service-account key (the JSON file the Google Cloud console downloads). Each token is an
    /// RS256-signed JWT exchanged at the key's `token_uri` for an OAuth2 access token.
    /// - Throws: `FirestoreError` `.credentials` when the JSON is not a service-account key or its
    ///   private key cannot be read.
    public static func serviceAccountKey(json: [UInt8]) throws(FirestoreError) -> FirestoreCredentials {
        FirestoreCredentials(source: .serviceAccount(try ServiceAccountKey(json: json)))
    }

    /// A service-account key read from a file.
    /// - Throws: `FirestoreError` `.credentials` when the file cannot be read or is not a key.
    public static func serviceAccountKey(contentsOfFile path: String) throws(FirestoreError) -> FirestoreCredentials {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw FirestoreError(code: .credentials, reason: "The service-account key file could not be read.", underlying: error)
        }
        return try serviceAccountKey(json: Array(data))
    }

    /// The metadata server of Cloud Run, GCE and GKE (the instance's service account). The host is
    /// `GCE_METADATA_HOST` when set, else `metadata.google.internal`.
    public static let metadataServer = FirestoreCredentials(source: .metadataServer(host: nil))

    /// A metadata server at `host` (`host:port`), such as a local stand-in.
    public static func metadataServer(host: String) -> FirestoreCredentials {
        FirestoreCredentials(source: .metadataServer(host: host))
    }

    /// Tokens from your own code. FlowStreams caches each token until shortly before it expires and
    /// calls `provider` once for all callers waiting on a refresh.
    public static func accessToken(
        _ provider: @escaping @Sendable () async throws -> FirestoreAccessToken
    ) -> FirestoreCredentials {
        FirestoreCredentials(source: .provider(provider))
    }

    /// Google's usual lookup: the key file named by `GOOGLE_APPLICATION_CREDENTIALS` when set, else
    /// the metadata server.
    /// - Throws: `FirestoreError` `.credentials` when the named file is not a readable key.
    public static func applicationDefault() throws(FirestoreError) -> FirestoreCredentials {
        if let path = ProcessInfo.processInfo.environment["GOOGLE_APPLICATION_CREDENTIALS"], !path.isEmpty {
            return try serviceAccountKey(contentsOfFile: path)
        }
        return .metadataServer
    }
}

/// An OAuth2 access token and how long it stays valid.
public struct FirestoreAccessToken: Sendable, CustomStringConvertible {
    /// The bearer token.
    public var value: String
    /// How long from now the token is valid.
    public var expiresIn: Duration

    public init(value: String, expiresIn: Duration) {
        self.value = value
        self.expiresIn = expiresIn
    }

    /// Never shows the token.
    public var description: String { "FirestoreAccessToken(expiresIn: \(expiresIn))" }
}
