import NIOCore
import Synchronization

/// One request received by ``withRawHTTPServer(_:_:)``.
struct RawRequest: Sendable {
    var method: String
    var path: String
    /// Header names lower-cased.
    var headers: [String: String]
    var body: [UInt8]
}

/// Writes a handwritten response, byte for byte, in as many writes as the test wants.
struct RawResponseWriter: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>

    func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    func write(_ text: String) async throws {
        try await write(Array(text.utf8))
    }

    /// Writes `bytes` in pieces split at `positions`, pausing after each piece so that the client reads
    /// them apart.
    func write(_ bytes: [UInt8], splitAt positions: [Int]) async throws {
        var start = 0
        for position in positions.sorted() + [bytes.count] where position > start && position <= bytes.count {
            try await write(Array(bytes[start..<position]))
            try await Task.sleep(for: .milliseconds(5))
            start = position
        }
    }

    /// `HTTP/1.1 200 OK` with an SSE head (the body ends when the connection closes) and extra headers.
    func writeSSEHead(extraHeaders: [String: String] = [:]) async throws {
        var head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n"
        for (name, value) in extraHeaders.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        try await write(head + "\r\n")
    }
}

/// Every request a raw server received, in order.
final class RequestLog: Sendable {
    private let requests = Mutex<[RawRequest]>([])
    func append(_ request: RawRequest) { requests.withLock { $0.append(request) } }
    var all: [RawRequest] { requests.withLock { $0 } }
}

/// A tiny HTTP/1.1 server on a loopback socket whose answers the test writes by hand: one request per
/// connection, then `respond`, then the connection is closed.
/// - Parameters:
///   - respond: Writes the answer to a request.
///   - body: The test, given the port and the log of requests.
func withRawHTTPServer<T: Sendable>(
    _ respond: @escaping @Sendable (RawRequest, RawResponseWriter) async throws -> Void,
    _ body: (Int, RequestLog) async throws -> T
) async throws -> T {
    let log = RequestLog()
    return try await withTCPListener({ connection in
        try await connection.executeThenClose { inbound, outbound in
            var received: [UInt8] = []
            var iterator = inbound.makeAsyncIterator()
            var headEnd: Int?
            while headEnd == nil {
                guard let buffer = try await iterator.next() else { return }
                received += buffer.readableBytesView
                headEnd = received.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound
            }
            guard let headEnd else { return }
            let lines = String(decoding: received[..<headEnd], as: UTF8.self).components(separatedBy: "\r\n")
            let requestLine = lines[0].split(separator: " ")
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = headers["content-length"].flatMap { Int($0) } ?? 0
            while received.count - headEnd < length {
                guard let buffer = try await iterator.next() else { return }
                received += buffer.readableBytesView
            }
            let request = RawRequest(
                method: requestLine.first.map(String.init) ?? "",
                path: requestLine.dropFirst().first.map(String.init) ?? "",
                headers: headers,
                body: Array(received[headEnd..<(headEnd + length)]))
            log.append(request)
            try await respond(request, RawResponseWriter(outbound: outbound))
        }
    }, { port in try await body(port, log) })
}
