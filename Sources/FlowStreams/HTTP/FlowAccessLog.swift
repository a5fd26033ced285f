package import Logging

/// The one access-log line per request of the ready-made servers, at info: method, path (stream ids
/// replaced by `:id`: they are secrets, logged only at debug), status.
package struct FlowAccessLog: Sendable {
    package let logger: Logger

    package init(logger: Logger) { self.logger = logger }

    package func record(method: String, path: String, status: Int) {
        logger.info("request", metadata: [
            "http.method": "\(method)",
            "http.path": "\(Self.redactedPath(path))",
            "http.status": "\(status)",
        ])
    }

    /// `path` with everything after `/streams/` (a stream id) replaced by `:id`.
    package static func redactedPath(_ path: String) -> String {
        guard let range = path.range(of: "/streams/") else { return path }
        return path[..<range.upperBound] + ":id"
    }
}
