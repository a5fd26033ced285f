/// Where the authorization header of each call comes from.
package protocol AccessTokenSource: Sendable {
    /// The `Authorization` header value (`Bearer …`).
    func authorization() async throws(FirestoreError) -> String
}

/// Caches the current access token and refreshes it before it expires; callers that arrive while a
/// refresh runs wait for that one refresh.
///
/// A token is used until `refreshMargin` (at most half its lifetime) before it expires. In that
/// margin the next caller starts a refresh; if the refresh fails while the old token is still
/// valid, the old token is used and the next call tries again.
package actor AccessTokenCache<C: Clock>: AccessTokenSource where C.Duration == Duration {
    private let fetcher: TokenFetcher
    private let clock: C
    private let refreshMargin: Duration
    private var current: (value: String, refreshAt: C.Instant, expiresAt: C.Instant)?
    /// The refresh in flight. An unstructured task because it is shared: it must not be cancelled
    /// when the one caller that started it is; the HTTP timeout bounds it.
    private var refresh: Task<FirestoreAccessToken?, any Error>?

    package init(fetcher: TokenFetcher, clock: C, refreshMargin: Duration) {
        self.fetcher = fetcher
        self.clock = clock
        self.refreshMargin = refreshMargin
    }

    package func authorization() async throws(FirestoreError) -> String {
        let now = clock.now
        if let current, now < current.refreshAt { return "Bearer \(current.value)" }
        do {
            return "Bearer \(try await refreshed())"
        } catch {
            if let current, clock.now < current.expiresAt { return "Bearer \(current.value)" }
            throw error
        }
    }

    private func refreshed() async throws(FirestoreError) -> String {
        let task: Task<FirestoreAccessToken?, any Error>
        if let refresh {
            task = refresh
        } else {
            let fetcher = self.fetcher
            task = Task { try await fetcher.fetch() }
            refresh = task
        }
        let result = await task.result
        if refresh == task { refresh = nil }
        switch result {
        case .success(let token?):
            let now = clock.now
            let margin = min(refreshMargin, token.expiresIn / 2)
            current = (token.value, now.advanced(by: token.expiresIn - margin), now.advanced(by: token.expiresIn))
            return token.value
        case .success(nil):
            return "owner"  // The emulator's administrator token.
        case .failure(let error as FirestoreError):
            throw error
        case .failure(let error):
            throw FirestoreError(code: .credentials, reason: "No access token could be obtained.", underlying: error)
        }
    }
}
