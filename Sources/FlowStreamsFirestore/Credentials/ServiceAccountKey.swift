import Crypto
import _CryptoExtras
import Foundation

/// A Google service-account key: who signs (its e-mail), the RSA private key, and where to exchange
/// the signed JWT for an access token.
struct ServiceAccountKey: Sendable {
    /// The `client_email` the JWT names as its issuer.
    let clientEmail: String
    /// The `private_key_id`, sent as the JWT's `kid`.
    let privateKeyID: String?
    /// The `token_uri` (Google's is `https://oauth2.googleapis.com/token`).
    let tokenURI: String
    /// The `project_id`, if the key names one.
    let projectID: String?
    let privateKey: _RSA.Signing.PrivateKey

    private struct File: Decodable {
        var type: String?
        var clientEmail: String?
        var privateKey: String?
        var privateKeyID: String?
        var tokenURI: String?
        var projectID: String?

        enum CodingKeys: String, CodingKey {
            case type
            case clientEmail = "client_email"
            case privateKey = "private_key"
            case privateKeyID = "private_key_id"
            case tokenURI = "token_uri"
            case projectID = "project_id"
        }
    }

    /// - Throws: `FirestoreError` `.credentials` when the JSON is not a service-account key.
    init(json: [UInt8]) throws(FirestoreError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json))
        } catch {
            throw FirestoreError(code: .credentials, reason: "The service-account key is not JSON of the expected shape.", underlying: error)
        }
        guard file.type == nil || file.type == "service_account" else {
            throw FirestoreError(code: .credentials, reason: "The key is not a service-account key.")
        }
        guard let email = file.clientEmail, !email.isEmpty, let pem = file.privateKey else {
            throw FirestoreError(code: .credentials, reason: "The service-account key lacks client_email or private_key.")
        }
        do {
            privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw FirestoreError(code: .credentials, reason: "The service-account private key could not be read.", underlying: error)
        }
        clientEmail = email
        privateKeyID = file.privateKeyID
        tokenURI = file.tokenURI ?? "https://oauth2.googleapis.com/token"
        projectID = file.projectID
    }

    /// The OAuth2 scope the tokens are asked for.
    static let scope = "https://www.googleapis.com/auth/datastore"

    /// A JWT assertion for the token exchange (RFC 7523), valid for an hour from `issuedAt`.
    /// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, which swift-crypto names `insecurePKCS1v1_5`
    /// (insecure for new designs; it is what Google's token endpoint requires).
    func assertion(issuedAt: Date) throws(FirestoreError) -> String {
        let iat = Int(issuedAt.timeIntervalSince1970)
        var header = ["alg": "RS256", "typ": "JWT"]
        if let privateKeyID { header["kid"] = privateKeyID }
        let claims = JWTClaims(iss: clientEmail, scope: Self.scope, aud: tokenURI, iat: iat, exp: iat + 3600)
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let signingInput = Self.base64URL(try encoder.encode(header)) + "." + Self.base64URL(try encoder.encode(claims))
            let signature = try privateKey.signature(for: Data(signingInput.utf8), padding: .insecurePKCS1v1_5)
            return signingInput + "." + Self.base64URL(signature.rawRepresentation)
        } catch {
            throw FirestoreError(code: .credentials, reason: "The JWT could not be signed.", underlying: error)
        }
    }

    struct JWTClaims: Codable, Sendable {
        var iss: String
        var scope: String
        var aud: String
        var iat: Int
        var exp: Int
    }

    /// Base64url without padding (RFC 7515, section 2).
    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
