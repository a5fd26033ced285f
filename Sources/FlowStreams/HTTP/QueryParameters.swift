import Foundation

/// The query parameters of a request path (`/streamy?stream=true`), percent-decoded.
struct QueryParameters {
    private var values: [(name: String, value: String)] = []

    init(path: String) {
        guard let start = path.firstIndex(of: "?") else { return }
        for pair in path[path.index(after: start)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            values.append((name, value))
        }
    }

    /// The first value of the parameter, or `nil`.
    subscript(name: String) -> String? {
        values.first { $0.name == name }?.value
    }

    private static func decode(_ text: Substring) -> String {
        let plusDecoded = text.replacingOccurrences(of: "+", with: " ")
        return plusDecoded.removingPercentEncoding ?? plusDecoded
    }
}
