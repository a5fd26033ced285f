import GRPCCore

/// Adds to every call the authorization header and the headers Firestore routes a call by
/// (`google-cloud-resource-prefix`, `x-goog-request-params`).
struct AuthorizationInterceptor: ClientInterceptor {
    let tokens: any AccessTokenSource
    let database: FirestoreDatabase

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        var request = request
        request.metadata.replaceOrAddString(try await tokens.authorization(), forKey: "authorization")
        request.metadata.replaceOrAddString(database.name, forKey: "google-cloud-resource-prefix")
        request.metadata.replaceOrAddString(database.routingHeader, forKey: "x-goog-request-params")
        return try await next(request, context)
    }
}

/// The emulator's fixed token.
struct EmulatorAuthorization: AccessTokenSource {
    func authorization() async throws(FirestoreError) -> String { "Bearer owner" }
}
