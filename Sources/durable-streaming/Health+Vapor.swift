import Vapor

extension Health {
    /// The same endpoints on Vapor, with the same answers as ``routes(_:)``.
    func vaporRoutes(_ routes: any RoutesBuilder) {
        routes.get("healthz") { _ in Self.vaporResponse(.ok, Self.liveBody) }
        routes.get("readyz") { _ in
            let readiness = await check()
            return Self.vaporResponse(readiness == .ready ? .ok : .serviceUnavailable, readiness.body)
        }
    }

    static func vaporResponse(_ status: HTTPResponseStatus, _ body: String) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                 body: .init(string: body))
    }
}
