/// Reads a flow request body `{"data": <input>}` without decoding it: checks it is one JSON object
/// (nesting bounded, so hostile input cannot exhaust the stack) and finds the bytes of `data`.
enum RequestBody {
    /// How deep a request body may nest.
    static let maximumDepth = 512

    /// The input bytes: `data`'s value, or `null` for `{}`.
    /// - Throws: `INVALID_ARGUMENT` for a body that is not a JSON object, or an object without `data`.
    static func input(from body: [UInt8]) throws(FlowError) -> JSONBytes {
        var scanner = JSONScanner(bytes: body)
        guard let members = scanner.scanDocument() else {
            throw FlowError(status: .invalidArgument, message: "Request body is not valid JSON.")
        }
        guard let members else {
            throw FlowError(status: .invalidArgument, message: "Request body must be a JSON object.")
        }
        if members.isEmpty { return .null }
        guard let data = members.last(where: { $0.key == "data" }) else {
            throw FlowError(status: .invalidArgument, message: #"Request body must be {"data": <input>}."#)
        }
        return JSONBytes(unchecked: Array(body[data.value]))
    }
}

/// A validating JSON scanner that records the top-level object's members as byte ranges.
struct JSONScanner {
    struct Member {
        var key: String
        var value: Range<Int>
    }

    private let bytes: [UInt8]
    private var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// `nil` when the bytes are not one valid JSON value; `.some(nil)` for a valid value that is not
    /// an object; otherwise the object's members.
    mutating func scanDocument() -> [Member]?? {
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        skipWhitespace()
        var members: [Member]? = nil
        if peek == UInt8(ascii: "{") {
            guard let scanned = scanObject(depth: 1, recording: true) else { return nil }
            members = scanned
        } else {
            guard scanValue(depth: 1) else { return nil }
        }
        skipWhitespace()
        guard position == bytes.count else { return nil }
        return .some(members)
    }

    private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { position += 1 }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        position += 1
        return true
    }

    private mutating func scanValue(depth: Int) -> Bool {
        guard depth <= RequestBody.maximumDepth, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "{"): return scanObject(depth: depth, recording: false) != nil
        case UInt8(ascii: "["): return scanArray(depth: depth)
        case UInt8(ascii: "\""): return scanString() != nil
        case UInt8(ascii: "t"): return scanLiteral("true")
        case UInt8(ascii: "f"): return scanLiteral("false")
        case UInt8(ascii: "n"): return scanLiteral("null")
        default: return scanNumber()
        }
    }

    private mutating func scanObject(depth: Int, recording: Bool) -> [Member]? {
        guard depth <= RequestBody.maximumDepth, consume(UInt8(ascii: "{")) else { return nil }
        var members: [Member] = []
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return members }
        while true {
            skipWhitespace()
            guard let key = scanString() else { return nil }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return nil }
            skipWhitespace()
            let start = position
            guard scanValue(depth: depth + 1) else { return nil }
            if recording { members.append(Member(key: key, value: start..<position)) }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return nil }
            return members
        }
    }

    private mutating func scanArray(depth: Int) -> Bool {
        guard consume(UInt8(ascii: "[")) else { return false }
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipWhitespace()
            guard scanValue(depth: depth + 1) else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// Scans a string literal; returns its text with escapes decoded.
    private mutating func scanString() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var text: [UInt8] = []
        while let byte = peek {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { return nil }
                position += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escaped)
                case UInt8(ascii: "b"): text.append(0x08)
                case UInt8(ascii: "f"): text.append(0x0C)
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "u"):
                    guard position + 4 <= bytes.count,
                          let code = UInt16(String(decoding: bytes[position..<position + 4], as: UTF8.self), radix: 16)
                    else { return nil }
                    position += 4
                    // Surrogates are kept as U+FFFD: only key comparison uses the decoded text.
                    text.append(contentsOf: Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8))
                default: return nil
                }
            case 0x00..<0x20:
                return nil
            default:
                text.append(byte)
            }
        }
        return nil
    }

    private mutating func scanLiteral(_ literal: String) -> Bool {
        let count = literal.utf8.count
        guard position + count <= bytes.count else { return false }
        let matches = bytes[position..<position + count].elementsEqual(literal.utf8)
        if matches { position += count }
        return matches
    }

    private mutating func scanNumber() -> Bool {
        func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
        } else {
            guard isDigit(peek) else { return false }
            while isDigit(peek) { position += 1 }
        }
        if consume(UInt8(ascii: ".")) {
            guard isDigit(peek) else { return false }
            while isDigit(peek) { position += 1 }
        }
        if consume(UInt8(ascii: "e")) || consume(UInt8(ascii: "E")) {
            if !consume(UInt8(ascii: "+")) { _ = consume(UInt8(ascii: "-")) }
            guard isDigit(peek) else { return false }
            while isDigit(peek) { position += 1 }
        }
        return true
    }
}
