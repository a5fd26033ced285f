import FlowStreamsWire
import NIOCore

/// Turns the bytes of a streaming response into protocol frames, with the core's ``SSEParser``.
///
/// Besides FlowStreams' and Genkit's `data:` frames it accepts what Genkit's own servers send for a
/// failure: an `error:` line instead of `data:` (Express, Python), possibly without the closing blank
/// line (Python). Such a last frame is read when the body ends, and only if it is a complete terminal frame.
struct FrameDecoder {
    enum Frame {
        /// `{"message":<chunk>}`.
        case chunk(JSONBytes)
        /// `{"result":<output>}`.
        case result(JSONBytes)
        /// `{"error":{…}}`.
        case error(FlowClientError)
        /// A comment line (`: keep-alive`): the server is alive.
        case comment
    }

    private var parser = SSEParser()
    /// The next byte starts a line.
    private var atLineStart = true
    /// The first bytes of the current line while they may still turn out to be `error:`.
    private var linePrefix: [UInt8] = []

    private static let errorField = Array("error:".utf8)
    private static let dataField = Array("data:".utf8)

    /// Decodes the next bytes of the body.
    /// - Throws: ``FlowClientError/Code/invalidResponse`` for an event that is not a JSON object.
    mutating func push(_ buffer: ByteBuffer) throws -> [Frame] {
        let bytes = rewritingErrorLines(buffer.readableBytesView)
        return try parser.push(bytes).compactMap(Self.frame)
    }

    /// Ends the body: returns a terminal frame left without its closing blank line, if there is one.
    mutating func finish() -> Frame? {
        var tail = linePrefix
        linePrefix.removeAll()
        atLineStart = true
        tail.append(contentsOf: [0x0A, 0x0A])
        let items = parser.push(tail)
        _ = parser.finish()
        for item in items {
            switch try? Self.frame(item) {
            case .result(let output): return .result(output)
            case .error(let error): return .error(error)
            default: continue
            }
        }
        return nil
    }

    // MARK: Frames

    private static func frame(_ item: SSEParser.Item) throws -> Frame? {
        switch item {
        case .comment:
            return .comment
        case .retry:
            return nil
        case .event(let event):
            guard let envelope = JSONEnvelope(event.data.utf8) else {
                throw FlowClientError.invalidResponse("A stream frame is not a JSON object.")
            }
            if let chunk = envelope.json("message") { return .chunk(chunk) }
            if let output = envelope.json("result") { return .result(output) }
            if let error = envelope["error"] {
                return .error(FlowClientError.fromErrorJSON(error, httpStatus: nil)
                    ?? FlowClientError(code: .flowError, status: .unknown, message: envelope.string("error") ?? "The flow failed."))
            }
            return nil  // An envelope of a later protocol version: skipped.
        }
    }

    // MARK: Genkit's error lines

    /// Copies `input`, with `error:` at the start of a line replaced by `data:`.
    private mutating func rewritingErrorLines(_ input: ByteBufferView) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 8)
        for byte in input {
            if atLineStart {
                linePrefix.append(byte)
                if Self.errorField.starts(with: linePrefix) {
                    if linePrefix.count == Self.errorField.count {
                        output.append(contentsOf: Self.dataField)
                        linePrefix.removeAll(keepingCapacity: true)
                        atLineStart = false
                    }
                    continue
                }
                output.append(contentsOf: linePrefix)
                linePrefix.removeAll(keepingCapacity: true)
                atLineStart = byte == 0x0A || byte == 0x0D
                continue
            }
            output.append(byte)
            if byte == 0x0A || byte == 0x0D { atLineStart = true }
        }
        return output
    }
}
