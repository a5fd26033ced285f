import AsyncHTTPClient
import _CryptoExtras
import FlowStreamsFirestore
import FlowStreamsTesting
import Foundation
import Synchronization
import Testing

@Suite("Firestore credentials: service-account JWT exchange, metadata server, token cache", .serialized)
struct CredentialsTests {
    let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    private func fetcher(_ credentials: FirestoreCredentials, timeout: Duration = .seconds(10)) -> TokenFetcher {
        TokenFetcher(credentials: credentials, httpClient: .shared, timeout: timeout)
    }

    @Test("a service-account key's RS256 JWT is exchanged at its token_uri, its signature checked with the public half")
    func serviceAccountExchange() async throws {
        let server = TokenServer(publicKey: key.publicKey, delay: .zero)
        try await server.run { port in
            let credentials = try FirestoreCredentials.serviceAccountKey(json: TokenServer.keyJSON(privateKey: key, port: port))
            let token = try await fetcher(credentials).fetch()
            #expect(token?.value == "token-1")
            #expect(token?.expiresIn == .seconds(3600))
        }
        #expect(server.requests == 1)
    }

    @Test("a JWT signed by another key is refused by the endpoint: a credentials error, no token")
    func wrongKeyRefused() async throws {
        let server = TokenServer(publicKey: key.publicKey, delay: .zero)
        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        try await server.run { port in
            let credentials = try FirestoreCredentials.serviceAccountKey(json: TokenServer.keyJSON(privateKey: otherKey, port: port))
            await expectFirestoreError(.credentials) { try await fetcher(credentials).fetch() }
        }
        #expect(server.requests == 0)
        #expect(server.state.withLock { $0.refused } == 1)
    }

    @Test("the metadata server is asked with Metadata-Flavor: Google")
    func metadataServer() async throws {
        let server = TokenServer(publicKey: key.publicKey, delay: .zero)
        try await server.run { port in
            let token = try await fetcher(.metadataServer(host: "127.0.0.1:\(port)")).fetch()
            #expect(token?.value == "token-1")
        }
        #expect(server.state.withLock { $0.metadataRequests } == 1)
    }

    @Test("an unreachable token endpoint is a transient error")
    func unreachable() async throws {
        let port = try await TokenServer(publicKey: key.publicKey, delay: .zero).run { $0 }  // A port nobody listens on now.
        await expectFirestoreError(.unavailable) { try await fetcher(.metadataServer(host: "127.0.0.1:\(port)"), timeout: .seconds(1)).fetch() }
    }

    @Test("tokens are cached; concurrent callers share one refresh; a token is refreshed before it expires")
    func cacheAndRefresh() async throws {
        let server = TokenServer(publicKey: key.publicKey, delay: .milliseconds(300))
        server.state.withLock { $0.expiresIn = 600 }
        let clock = ManualClock()
        try await server.run { port in
            let credentials = try FirestoreCredentials.serviceAccountKey(json: TokenServer.keyJSON(privateKey: key, port: port))
            let cache = AccessTokenCache(fetcher: fetcher(credentials), clock: clock, refreshMargin: .seconds(60))
            let first = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 { group.addTask { try await cache.authorization() } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(first == ["Bearer token-1"])
            #expect(server.requests == 1)

            clock.advance(by: .seconds(530))  // 70 s left: still used as it is.
            #expect(try await cache.authorization() == "Bearer token-1")
            #expect(server.requests == 1)

            clock.advance(by: .seconds(20))  // 50 s left: inside the 60 s margin, refreshed.
            #expect(try await cache.authorization() == "Bearer token-2")
            #expect(server.requests == 2)

            server.state.withLock { $0.fail = true }
            clock.advance(by: .seconds(560))  // 40 s left, and the endpoint fails: the old token serves.
            #expect(try await cache.authorization() == "Bearer token-2")
            clock.advance(by: .seconds(60))  // Expired, the endpoint still failing: an error.
            await #expect(throws: FirestoreError.self) { _ = try await cache.authorization() }
        }
    }

    @Test("a token closure is called once for a token's lifetime")
    func closureProvider() async throws {
        let calls = CallCounter()
        let credentials = FirestoreCredentials.accessToken {
            FirestoreAccessToken(value: "mine-\(calls.increment())", expiresIn: .seconds(3600))
        }
        let cache = AccessTokenCache(fetcher: fetcher(credentials), clock: ManualClock(), refreshMargin: .seconds(300))
        for _ in 0..<5 { #expect(try await cache.authorization() == "Bearer mine-1") }
        #expect(calls.value == 1)
    }

    @Test("a file that is not a service-account key is refused with a credentials error")
    func badKey() {
        for json in [#"{"type":"authorized_user"}"#, #"{"client_email":"a@b","private_key":"not a key"}"#, "nonsense"] {
            #expect(throws: FirestoreError.self) { _ = try FirestoreCredentials.serviceAccountKey(json: Array(json.utf8)) }
        }
    }
}

final class CallCounter: Sendable {
    private let count = Mutex(0)
    func increment() -> Int { count.withLock { $0 += 1; return $0 } }
    var value: Int { count.withLock { $0 } }
}
