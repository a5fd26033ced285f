// MARK: - Whole requests

/// Sends one request on a fresh connection and reads the whole response.
///
/// Use ``TestHTTPConnection`` to read a body incrementally or to disconnect early.
/// ```swift
/// let (head, body) = try await httpRequest(port: port, path: "/echo", body: #"{"data":"hi"}"#)
/// #expect(head.status == 200)
/// ```
/// - Parameters:
///   - host: The server address. Defaults to 127.0.0.1.
///   - port: The server port.
///   - method: The request method. Defaults to POST.
///   - path: The request target.
///   - headers: Request headers, in order.
///   - body: The request body as UTF-8; `nil` sends none.
///   - timeout: The limit for the whole exchange. Defaults to 30 s.
/// - Returns: The response head and the complete body.
/// - Throws: ``TestTimeoutError``, ``TestSupportError`` or a NIO connection error.
public func httpRequest(
    host: String = "127.0.0.1",
    port: Int,
    method: String = "POST",
    path: String,
    headers: [(String, String)] = [],
    body: String?,
    timeout: Duration = .seconds(30)
) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
    let start = ContinuousClock.now
    let connection = try await TestHTTPConnection.open(
        host: host,
        port: port,
        method: method,
        path: path,
        headers: headers,
        body: body.map { Array($0.utf8) },
        timeout: timeout
    )
    let remaining = max(timeout - (ContinuousClock.now - start), .zero)
    do {
        let bytes = try await connection.readToEnd(timeout: remaining)
        await connection.close()
        return (connection.head, bytes)
    } catch {
        await connection.close()
        throw error
    }
}
