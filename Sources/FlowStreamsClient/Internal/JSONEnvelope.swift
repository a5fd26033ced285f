import FlowStreamsWire
import Foundation

/// The top-level members of a JSON object, each value kept as the bytes it was sent as.
///
/// Frames and bodies are envelopes (`{"message":<chunk>}`, `{"result":<output>}`, `{"error":{…}}`,
/// `{"status":…,"message":…}`) around payloads the client hands on untouched: the scanner only finds where
/// each value starts and ends. It does not validate the values; decoding them does.
struct JSONEnvelope {
    private(set) var members: [(key: String, value: ArraySlice<UInt8>)] = []

    /// Scans `bytes`; `nil` when they are not one JSON object.
    init?(_ bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        var scanner = Scanner(bytes: bytes)
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        if !scanner.consume(UInt8(ascii: "}")) {
            repeat {
                guard let key = scanner.string(), scanner.consume(UInt8(ascii: ":")),
                      let value = scanner.value() else { return nil }
                members.append((key, bytes[value]))
            } while scanner.consume(UInt8(ascii: ","))
            guard scanner.consume(UInt8(ascii: "}")) else { return nil }
        }
        guard scanner.atEnd else { return nil }
    }

    /// The value of `key` (the first one when it repeats).
    subscript(key: String) -> ArraySlice<UInt8>? {
        members.first { $0.key == key }?.value
    }

    /// The value of `key` as `JSONBytes`; `nil` when absent.
    func json(_ key: String) -> JSONBytes? {
        self[key].map { JSONBytes(unchecked: Array($0)) }
    }

    /// The value of `key` when it is a JSON string.
    func string(_ key: String) -> String? {
        guard let value = self[key], value.first == UInt8(ascii: "\"") else { return nil }
        return try? JSONDecoder().decode(String.self, from: Data(value))
    }
}

// MARK: - Scanner

private struct Scanner {
    let bytes: [UInt8]
    var index = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipWhitespace()
            return index == bytes.count
        }
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A string literal, decoded.
    mutating func string() -> String? {
        skipWhitespace()
        let start = index
        guard skipString() else { return nil }
        let literal = bytes[start..<index]
        if !literal.contains(UInt8(ascii: "\\")) {
            return String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
        }
        return try? JSONDecoder().decode(String.self, from: Data(literal))
    }

    /// The range of the next value, without its surrounding whitespace.
    mutating func value() -> Range<Int>? {
        skipWhitespace()
        let start = index
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            guard skipString() else { return nil }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard skipContainer() else { return nil }
        default:
            while index < bytes.count, !Self.isDelimiter(bytes[index]) { index += 1 }
        }
        return index > start ? start..<index : nil
    }

    /// Skips a string literal starting at `index` (at its opening quote).
    private mutating func skipString() -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return false }
        index += 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "\""): index += 1; return true
            default: index += 1
            }
        }
        return false
    }

    /// Skips an object or array starting at `index`, strings inside included.
    private mutating func skipContainer() -> Bool {
        var depth = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                guard skipString() else { return false }
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { index += 1; return true }
            default:
                break
            }
            index += 1
        }
        return false
    }

    private static func isDelimiter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D: true
        default: false
        }
    }
}
