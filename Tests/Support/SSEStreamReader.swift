import Synchronization

/// Reads an SSE response body frame by frame, the way Genkit's JS client does, while keeping every raw byte.
///
/// Frames are split on "\n\n" only (Genkit's `streamFlow` splits its text buffer on that delimiter and
/// nothing else), so a server that used "\r\n" would show up as one unsplit frame: that is intended, this
/// reader checks what that client would see. Comments (": keep-alive") come back as frames too.
///
/// ```swift
/// let reader = try await SSEStreamReader.open(port: port, path: "/streamy", body: #"{"data":3}"#)
/// let first = try await reader.nextFrame()      // "data: {\"message\":{\"count\":0}}"
/// let all = reader.rawBytes                     // exact bytes so far
/// ```
/// Use from one task at a time.
public final class SSEStreamReader: Sendable {
    /// The connection whose body is read.
    public let connection: TestHTTPConnection

    private struct State {
        var raw: [UInt8] = []
        /// Where the next frame starts in `raw`.
        var frameStart = 0
        /// Where to resume looking for "\n\n" (everything before was searched).
        var searchFrom = 0
        var ended = false
    }

    private let state = Mutex(State())

    /// Wraps an open connection whose body has not been read yet.
    public init(_ connection: TestHTTPConnection) {
        self.connection = connection
    }

    /// Sends a request with `Accept: text/event-stream` and wraps the response (any status).
    ///
    /// - Parameters:
    ///   - port: The server port.
    ///   - method: Defaults to POST.
    ///   - path: The request target.
    ///   - headers: Extra request headers.
    ///   - body: The request body as UTF-8.
    ///   - timeout: The limit for the response head. Defaults to 10 s.
    /// - Throws: As ``TestHTTPConnection/open(host:port:method:path:headers:body:timeout:)``.
    public static func open(
        host: String = "127.0.0.1",
        port: Int,
        method: String = "POST",
        path: String,
        headers: [(String, String)] = [],
        body: String?,
        timeout: Duration = .seconds(10)
    ) async throws -> SSEStreamReader {
        var allHeaders = headers
        if !headers.contains(where: { $0.0.lowercased() == "accept" }) {
            allHeaders.append(("Accept", "text/event-stream"))
        }
        if body != nil, !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            allHeaders.append(("Content-Type", "application/json"))
        }
        let connection = try await TestHTTPConnection.open(
            host: host,
            port: port,
            method: method,
            path: path,
            headers: allHeaders,
            body: body.map { Array($0.utf8) },
            timeout: timeout
        )
        return SSEStreamReader(connection)
    }

    // MARK: Reading

    /// The next complete frame, without its trailing "\n\n", decoded as UTF-8.
    ///
    /// - Parameter timeout: How long to wait for the frame to complete. Defaults to 10 s.
    /// - Returns: The frame, or `nil` once the body has ended (bytes after the last "\n\n" are in ``remainder``).
    /// - Throws: ``TestTimeoutError`` (the reader stays usable); the connection's errors.
    public func nextFrame(timeout: Duration = .seconds(10)) async throws -> String? {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let (frame, ended) = state.withLock { state in (Self.takeFrame(&state), state.ended) }
            if let frame { return String(decoding: frame, as: UTF8.self) }
            if ended { return nil }
            let remaining = max(deadline - ContinuousClock.now, .zero)
            let part: [UInt8]?
            do {
                part = try await connection.next(timeout: remaining)
            } catch let error as TestTimeoutError {
                throw TestTimeoutError(waitingFor: "a complete SSE frame", timeout: timeout, location: error.location)
            }
            state.withLock { state in
                if let part { state.raw += part } else { state.ended = true }
            }
        }
    }

    /// Reads frames until the end of the body.
    ///
    /// - Parameter timeout: The limit for the whole remaining body. Defaults to 30 s.
    /// - Returns: Every frame not returned yet.
    public func remainingFrames(timeout: Duration = .seconds(30)) async throws -> [String] {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var frames: [String] = []
        while let frame = try await nextFrame(timeout: max(deadline - ContinuousClock.now, .zero)) {
            frames.append(frame)
        }
        return frames
    }

    /// Every body byte received so far, exactly as sent (after HTTP dechunking).
    public var rawBytes: [UInt8] { state.withLock { $0.raw } }

    /// The bytes received after the last complete frame.
    public var remainder: [UInt8] { state.withLock { Array($0.raw[$0.frameStart...]) } }

    /// Whether the body has ended.
    public var isFinished: Bool { state.withLock { $0.ended } }

    /// Closes the connection (the server sees a disconnect).
    public func close(reset: Bool = false) async {
        await connection.close(reset: reset)
    }

    private static func takeFrame(_ state: inout State) -> ArraySlice<UInt8>? {
        var index = max(state.searchFrom, state.frameStart)
        while index + 1 < state.raw.count {
            if state.raw[index] == UInt8(ascii: "\n") && state.raw[index + 1] == UInt8(ascii: "\n") {
                let frame = state.raw[state.frameStart..<index]
                state.frameStart = index + 2
                state.searchFrom = state.frameStart
                return frame
            }
            index += 1
        }
        state.searchFrom = max(state.frameStart, state.raw.count - 1)
        return nil
    }
}
