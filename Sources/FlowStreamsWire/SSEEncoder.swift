/// Writes FlowStreams' frames byte for byte (docs/PROTOCOL.md, "Frames").
///
/// Envelopes are written by hand in a fixed key order around payload bytes that were encoded once,
/// so every reader, live or replayed, gets the same bytes. `index` is `nil` for part-1 frames
/// (no `id:` line) and the event's index when the request opted into the extensions.
public enum SSEEncoder {
    /// `data: {"message":<chunk>}\n\n`, after `id: <index>\n` when `index` is given.
    public static func chunkFrame(_ chunk: JSONBytes, index: Int?) -> [UInt8] {
        var frame = prefix(index: index, capacity: chunk.count + 32)
        frame.append(contentsOf: messageOpen)
        frame.append(contentsOf: chunk.bytes)
        frame.append(contentsOf: frameClose)
        return frame
    }

    /// `data: {"result":<output>}\n\n` or `data: {"error":{…}}\n\n`, after `id: <index>\n` when given.
    public static func terminalFrame(_ outcome: StreamOutcome, index: Int?) -> [UInt8] {
        var frame = prefix(index: index, capacity: 64)
        frame.append(contentsOf: dataPrefix)
        switch outcome {
        case .success(let output):
            frame.append(contentsOf: resultOpen)
            frame.append(contentsOf: output.bytes)
        case .failure(let error):
            frame.append(contentsOf: errorOpen)
            frame.append(contentsOf: errorJSON(error))
        }
        frame.append(contentsOf: frameClose)
        return frame
    }

    /// The body of a non-streaming success: `{"result":<output>}`.
    public static func resultBody(_ output: JSONBytes) -> [UInt8] {
        resultOpen + output.bytes + [UInt8(ascii: "}")]
    }

    /// `{"status":"<NAME>","message":"<text>"}`, with `,"details":<json>` when the error has details:
    /// the body of a non-streaming failure and the value of an error frame's `error` key.
    public static func errorJSON(_ error: FlowError) -> [UInt8] {
        var json: [UInt8] = Array(#"{"status":"#.utf8)
        appendJSONString(error.status.name, to: &json)
        json.append(contentsOf: #","message":"#.utf8)
        appendJSONString(error.message, to: &json)
        if let details = error.details {
            json.append(contentsOf: #","details":"#.utf8)
            json.append(contentsOf: details.bytes)
        }
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// `: keep-alive\n\n`, sent after a silence to requests that opted in.
    public static let keepAlive: [UInt8] = Array(": keep-alive\n\n".utf8)

    /// `retry: <milliseconds>\n\n`, the first line of the EventSource endpoint.
    public static func retry(milliseconds: Int) -> [UInt8] {
        Array("retry: \(milliseconds)\n\n".utf8)
    }

    /// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped,
    /// `/` and non-ASCII characters as they are.
    public static func appendJSONString(_ text: String, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): json.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): json.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: json.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: json.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: json.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                json.append(contentsOf: Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: json.append(byte)
            }
        }
        json.append(UInt8(ascii: "\""))
    }

    // MARK: Pieces

    private static let dataPrefix: [UInt8] = Array("data: ".utf8)
    private static let messageOpen: [UInt8] = Array(#"data: {"message":"#.utf8)
    private static let resultOpen: [UInt8] = Array(#"{"result":"#.utf8)
    private static let errorOpen: [UInt8] = Array(#"{"error":"#.utf8)
    private static let frameClose: [UInt8] = Array("}\n\n".utf8)

    private static func prefix(index: Int?, capacity: Int) -> [UInt8] {
        var frame: [UInt8] = []
        frame.reserveCapacity(capacity)
        if let index {
            frame.append(contentsOf: "id: ".utf8)
            frame.append(contentsOf: String(index).utf8)
            frame.append(UInt8(ascii: "\n"))
        }
        return frame
    }
}
