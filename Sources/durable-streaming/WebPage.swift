import Foundation
import Hummingbird

/// The sample app's browser page: `GET /` is `Public/index.html`, and each other file of `Public`
/// (its stylesheet and script) is served at `/<name>`.
///
/// Only files whose names pass ``servable(_:)`` are served, each at a fixed route made when the routes
/// are mounted: no route has a path parameter, so no request can name any other file (no traversal).
/// The files are small and read once, into memory.
///
/// ```swift
/// server.addRoutes(WebPage.routes)
/// ```
enum WebPage {
    /// A file as served: its bytes and content type.
    struct File: Sendable {
        var bytes: ByteBuffer
        var contentType: String
    }

    /// Content types by file extension; a file with any other extension is not served.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8",
        "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml",
        "png": "image/png",
        "ico": "image/x-icon",
        "txt": "text/plain; charset=utf-8",
    ]

    /// The page may load only its own files and talk only to its own origin.
    static let contentSecurityPolicy = "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    /// Mounts `GET /` and `GET /<name>` for every servable file of `Public`.
    static func routes(_ router: Router<BasicRequestContext>) {
        let files = load()
        if let index = files["index.html"] {
            router.get("/") { _, _ in response(index) }
        }
        for (name, file) in files {
            router.get(RouterPath("/\(name)")) { _, _ in response(file) }
        }
    }

    /// Whether a file of `Public` may be served: a plain name (letters, digits, `-`, `_`, one `.` before
    /// the extension, no leading dot) with a known extension.
    static func servable(_ name: String) -> Bool {
        guard name.wholeMatch(of: #/[A-Za-z0-9][A-Za-z0-9_-]*\.[a-z0-9]+/#) != nil,
              let ext = name.split(separator: ".").last else { return false }
        return contentTypes[String(ext)] != nil
    }

    /// Every servable regular file of the `Public` resource folder, by name.
    static func load() -> [String: File] {
        guard let folder = Bundle.module.url(forResource: "Public", withExtension: nil),
              let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [:] }
        var files: [String: File] = [:]
        for name in names where servable(name) {
            let url = folder.appendingPathComponent(name)
            guard let values = try? url.resourceValues(forKeys: [.isRegularFileKey]), values.isRegularFile == true,
                  let data = try? Data(contentsOf: url),
                  let ext = name.split(separator: ".").last,
                  let contentType = contentTypes[String(ext)] else { continue }
            files[name] = File(bytes: ByteBuffer(bytes: data), contentType: contentType)
        }
        return files
    }

    static func response(_ file: File) -> Response {
        var headers: HTTPFields = [.contentType: file.contentType, .cacheControl: "no-cache"]
        // (HTTPField.Name is not visible here: Hummingbird exports only HTTPFields.)
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        headers[.init("Referrer-Policy")!] = "no-referrer"
        if file.contentType.hasPrefix("text/html") {
            headers[.init("Content-Security-Policy")!] = contentSecurityPolicy
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: file.bytes))
    }
}
