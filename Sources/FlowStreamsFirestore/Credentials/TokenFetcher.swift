package import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Fetches a fresh access token from where the credentials say: the key's token endpoint (a signed
/// JWT, RFC 7523), the metadata server, or the caller's closure.
package struct TokenFetcher: Sendable {
    let credentials: FirestoreCredentials
    let httpClient: HTTPClient
    /// The limit for one token request.
    let timeout: Duration

    package init(credentials: FirestoreCredentials, httpClient: HTTPClient, timeout: Duration) {
        self.credentials = credentials
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// The largest token response read.
    private static let maximumResponseBytes = 64 * 1024

    /// A fresh token, or `nil` for the emulator (which takes the fixed `owner` token).
    /// - Throws: `FirestoreError` `.unavailable` when the endpoint cannot be reached or fails (5xx),
    ///   `.credentials` when it refuses (4xx) or answers something that is not a token.
    package func fetch() async throws(FirestoreError) -> FirestoreAccessToken? {
        switch credentials.source {
        case .emulator:
            return nil
        case .provider(let provider):
            do {
                return try await provider()
            } catch {
                throw FirestoreError(code: .credentials, reason: "The access-token provider failed.", underlying: error)
            }
        case .serviceAccount(let key):
            var request = HTTPClientRequest(url: key.tokenURI)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            let assertion = try key.assertion(issuedAt: Date())
            let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
            request.body = .bytes(ByteBuffer(string: form))
            return try await exchange(request)
        case .metadataServer(let host):
            let host = host ?? ProcessInfo.processInfo.environment["GCE_METADATA_HOST"] ?? "metadata.google.internal"
            var request = HTTPClientRequest(url: "http://\(host)/computeMetadata/v1/instance/service-accounts/default/token")
            request.headers.add(name: "Metadata-Flavor", value: "Google")
            return try await exchange(request)
        }
    }

    private struct TokenResponse: Decodable {
        var accessToken: String
        var expiresIn: Int?

        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case expiresIn = "expires_in"
        }
    }

    private func exchange(_ request: HTTPClientRequest) async throws(FirestoreError) -> FirestoreAccessToken {
        let status: HTTPResponseStatus
        let body: ByteBuffer
        do {
            let response = try await httpClient.execute(request, timeout: .nanoseconds(Int64(timeout.nanosecondsClamped)))
            status = response.status
            body = try await response.body.collect(upTo: Self.maximumResponseBytes)
        } catch {
            throw FirestoreError(code: .unavailable, reason: "The token endpoint could not be reached.", underlying: error)
        }
        switch status.code {
        case 200..<300: break
        case 500...: throw FirestoreError(code: .unavailable, reason: "The token endpoint failed (HTTP \(status.code)).")
        default: throw FirestoreError(code: .credentials, reason: "The token endpoint refused the credentials (HTTP \(status.code)).")
        }
        guard let token = try? JSONDecoder().decode(TokenResponse.self, from: Data(Array(buffer: body))), !token.accessToken.isEmpty else {
            throw FirestoreError(code: .credentials, reason: "The token endpoint answered without an access token.")
        }
        return FirestoreAccessToken(value: token.accessToken, expiresIn: .seconds(token.expiresIn ?? 3600))
    }
}

extension Duration {
    /// The duration in nanoseconds, clamped to `Int64`.
    var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        return product.addingReportingOverflow(attoseconds / 1_000_000_000).overflow ? .max : product + attoseconds / 1_000_000_000
    }
}
