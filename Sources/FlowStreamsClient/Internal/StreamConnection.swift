import AsyncHTTPClient
import FlowStreamsWire
import NIOCore

/// One open streaming response: its body and the frames decoded from it, numbered.
struct StreamConnection {
    /// What the response says next.
    enum Event {
        /// A chunk and its index in the stream.
        case chunk(index: Int, JSONBytes)
        /// The terminal frame.
        case terminal(Result<JSONBytes, FlowClientError>)
        /// A comment (keep-alive): the connection and the server are alive.
        case comment
        /// The body ended without a terminal frame.
        case end
    }

    private var body: HTTPClientResponse.Body.AsyncIterator
    private var decoder = FrameDecoder()
    private var frames: [FrameDecoder.Frame] = []
    private var nextFrame = 0
    /// The index of the next chunk frame of this response.
    private var nextIndex: Int
    private var ended = false

    /// - Parameters:
    ///   - body: The response body.
    ///   - firstIndex: The index of its first chunk: the `x-genkit-stream-offset` header, else 0.
    init(body: HTTPClientResponse.Body, firstIndex: Int) {
        self.body = body.makeAsyncIterator()
        self.nextIndex = firstIndex
    }

    /// Reads until the next event.
    /// - Throws: ``FlowClientError/Code/invalidResponse`` for a frame that breaks the protocol; the HTTP
    ///   client's error when the connection fails (or the task is cancelled).
    mutating func next(isolation: isolated (any Actor)? = #isolation) async throws -> Event {
        while true {
            if nextFrame < frames.count {
                let frame = frames[nextFrame]
                nextFrame += 1
                switch frame {
                case .chunk(let chunk):
                    defer { nextIndex += 1 }
                    return .chunk(index: nextIndex, chunk)
                case .result(let output):
                    return .terminal(.success(output))
                case .error(let error):
                    return .terminal(.failure(error))
                case .comment:
                    return .comment
                }
            }
            if ended { return .end }
            frames.removeAll(keepingCapacity: true)
            nextFrame = 0
            if let buffer = try await body.next(isolation: isolation) {
                frames = try decoder.push(buffer)
            } else {
                ended = true
                if let last = decoder.finish() { frames = [last] }
            }
        }
    }
}
