import Crypto
import _CryptoExtras
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// A loopback OAuth2 token endpoint and metadata server: it checks each JWT assertion's RS256
/// signature with the public half of the key it was given and its claims, and answers with
/// numbered tokens (`token-1`, `token-2`, ...).
final class TokenServer: Sendable {
    struct State {
        var requests = 0
        var metadataRequests = 0
        var refused = 0
        var fail = false
        var expiresIn = 3600
    }

    let publicKey: _RSA.Signing.PublicKey
    let state = Mutex(State())
    /// How long each answer is held back, so concurrent callers overlap.
    let delay: Duration

    init(publicKey: _RSA.Signing.PublicKey, delay: Duration = .milliseconds(200)) {
        self.publicKey = publicKey
        self.delay = delay
    }

    var requests: Int { state.withLock { $0.requests } }

    /// Runs the server while `body` runs, passing its port.
    func run<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/token") { request, _ -> Response in
            let form = String(buffer: try await request.body.collect(upTo: 65_536))
            return try await self.answer(verified: self.verify(form: form), metadata: false)
        }
        router.get("/computeMetadata/v1/instance/service-accounts/default/token") { request, _ -> Response in
            try await self.answer(verified: request.headers[.init("Metadata-Flavor")!] == "Google", metadata: true)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Emulator.quietLogger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService(gracefulShutdownSignals: []) }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            return try await body(port)
        }
    }

    private func answer(verified: Bool, metadata: Bool) async throws -> Response {
        try await Task.sleep(for: delay)
        let (number, fail, expiresIn) = state.withLock { state -> (Int, Bool, Int) in
            guard verified else {
                state.refused += 1
                return (0, false, 0)
            }
            state.requests += 1
            if metadata { state.metadataRequests += 1 }
            return (state.requests, state.fail, state.expiresIn)
        }
        guard verified else { return Response(status: .unauthorized) }
        if fail { return Response(status: .serviceUnavailable) }
        let json = #"{"access_token":"token-\#(number)","expires_in":\#(expiresIn),"token_type":"Bearer"}"#
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json)))
    }

    /// Checks the JWT bearer grant: the grant type, the RS256 signature over `header.claims`, and
    /// the claims a Google token endpoint checks (issuer, audience, scope, an hour's validity).
    private func verify(form: String) -> Bool {
        var fields: [String: String] = [:]
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard fields["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let jwt = fields["assertion"] else { return false }
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.decodeBase64URL(parts[0]), let claims = Self.decodeBase64URL(parts[1]),
              let signature = Self.decodeBase64URL(parts[2]),
              let headerJSON = try? JSONSerialization.jsonObject(with: header) as? [String: Any],
              let claimsJSON = try? JSONSerialization.jsonObject(with: claims) as? [String: Any],
              headerJSON["alg"] as? String == "RS256"
        else { return false }
        let signed = publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature), for: Data("\(parts[0]).\(parts[1])".utf8), padding: .insecurePKCS1v1_5)
        guard signed, let iat = claimsJSON["iat"] as? Int, let exp = claimsJSON["exp"] as? Int, exp - iat == 3600,
              claimsJSON["iss"] as? String == "flowstreams@test.iam.gserviceaccount.com",
              (claimsJSON["aud"] as? String)?.hasSuffix("/token") == true,
              claimsJSON["scope"] as? String == "https://www.googleapis.com/auth/datastore"
        else { return false }
        return true
    }

    private static func decodeBase64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }

    /// A service-account key file for `privateKey`, with its token endpoint on this server.
    static func keyJSON(privateKey: _RSA.Signing.PrivateKey, port: Int) -> [UInt8] {
        let key: [String: String] = [
            "type": "service_account", "project_id": "flowstreams-test", "private_key_id": "k1",
            "private_key": privateKey.pkcs8PEMRepresentation, "client_email": "flowstreams@test.iam.gserviceaccount.com",
            "token_uri": "http://127.0.0.1:\(port)/token",
        ]
        return Array(try! JSONSerialization.data(withJSONObject: key))
    }
}
