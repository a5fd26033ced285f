/// The status line and headers of a response read by ``TestHTTPConnection``.
public struct TestHTTPResponseHead: Sendable {
    /// The status code, such as 200.
    public var status: Int
    /// The reason phrase as sent ("OK").
    public var reason: String
    /// Every header field in the order received, names as sent.
    public var headers: [(name: String, value: String)]

    /// Creates a head.
    public init(status: Int, reason: String = "", headers: [(name: String, value: String)]) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// The first value of the header `name` (case-insensitive), or `nil` if absent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Every value of the header `name` (case-insensitive), in order; each field counted separately.
    public func headers(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }
}
