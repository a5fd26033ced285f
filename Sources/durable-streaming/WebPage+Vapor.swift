import Vapor

extension WebPage {
    /// The same page on Vapor: `GET /` and `GET /<name>` for every servable file of `Public`, with
    /// the same headers as ``routes(_:)``.
    static func vaporRoutes(_ routes: any RoutesBuilder) {
        let files = load()
        if let index = files["index.html"] {
            routes.get { _ in vaporResponse(index) }
        }
        for (name, file) in files {
            routes.get(.constant(name)) { _ in vaporResponse(file) }
        }
    }

    static func vaporResponse(_ file: File) -> Response {
        var headers: HTTPHeaders = [
            "Content-Type": file.contentType,
            "Cache-Control": "no-cache",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        ]
        if file.contentType.hasPrefix("text/html") {
            headers.add(name: "Content-Security-Policy", value: contentSecurityPolicy)
        }
        return Response(status: .ok, headers: headers, body: .init(buffer: file.bytes))
    }
}
