/// Reads one JSON text (RFC 8259, UTF-8) straight into a native Firestore value: objects become
/// map values, arrays array values, numbers without fraction or exponent integer values, other
/// numbers double values.
///
/// It refuses what Firestore cannot store as it is rather than change it: an array directly inside
/// an array, an empty or reserved (`__name__`-like) object key, a key given twice, an integer
/// outside 64 bits, a number too large for a double, nesting deeper than `maximumDepth`.
struct JSONValueReader {
    private let bytes: [UInt8]
    private var index = 0
    private let maximumDepth: Int

    private init(bytes: [UInt8], maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// The value `bytes` hold.
    /// - Throws: `FirestoreError` `.invalidJSON` or `.unstorableValue`.
    static func value(from bytes: [UInt8], maximumDepth: Int) throws(FirestoreError) -> Google_Firestore_V1_Value {
        var reader = JSONValueReader(bytes: bytes, maximumDepth: maximumDepth)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0, insideArray: false)
        reader.skipWhitespace()
        guard reader.index == bytes.count else { throw invalid("text after the JSON value") }
        return value
    }

    // MARK: - Values

    private mutating func readValue(depth: Int, insideArray: Bool) throws(FirestoreError) -> Google_Firestore_V1_Value {
        guard let byte = peek() else { throw Self.invalid("unexpected end of JSON") }
        var value = Google_Firestore_V1_Value()
        switch byte {
        case UInt8(ascii: "{"):
            value.mapValue = try readObject(depth: depth + 1)
        case UInt8(ascii: "["):
            if insideArray { throw Self.unstorable("an array directly inside an array") }
            value.arrayValue = try readArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            value.stringValue = try readString()
        case UInt8(ascii: "t"):
            try expect("true")
            value.booleanValue = true
        case UInt8(ascii: "f"):
            try expect("false")
            value.booleanValue = false
        case UInt8(ascii: "n"):
            try expect("null")
            value.nullValue = .nullValue
        default:
            value = try readNumber()
        }
        return value
    }

    private mutating func readObject(depth: Int) throws(FirestoreError) -> Google_Firestore_V1_MapValue {
        guard depth <= maximumDepth else { throw Self.unstorable("nesting deeper than the limit") }
        index += 1
        var map = Google_Firestore_V1_MapValue()
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            return map
        }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\"") else { throw Self.invalid("expected an object key") }
            let key = try readString()
            try Self.checkStorableKey(key)
            guard map.fields[key] == nil else { throw Self.unstorable("an object key given twice") }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else { throw Self.invalid("expected ':'") }
            index += 1
            skipWhitespace()
            map.fields[key] = try readValue(depth: depth, insideArray: false)
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): index += 1; return map
            default: throw Self.invalid("expected ',' or '}'")
            }
        }
    }

    private mutating func readArray(depth: Int) throws(FirestoreError) -> Google_Firestore_V1_ArrayValue {
        guard depth <= maximumDepth else { throw Self.unstorable("nesting deeper than the limit") }
        index += 1
        var array = Google_Firestore_V1_ArrayValue()
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return array
        }
        while true {
            skipWhitespace()
            array.values.append(try readValue(depth: depth, insideArray: true))
            skipWhitespace()
            switch peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"): index += 1; return array
            default: throw Self.invalid("expected ',' or ']'")
            }
        }
    }

    /// Firestore map keys may not be empty or look like `__reserved__`.
    static func checkStorableKey(_ key: String) throws(FirestoreError) {
        if key.isEmpty { throw unstorable("an empty object key") }
        if key.utf8.count > 1_500 { throw unstorable("an object key longer than 1500 bytes") }
        if key.utf8.count >= 4, key.hasPrefix("__"), key.hasSuffix("__") { throw unstorable("a reserved object key") }
    }

    // MARK: - Numbers

    private mutating func readNumber() throws(FirestoreError) -> Google_Firestore_V1_Value {
        let start = index
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), Self.isDigit(first) else { throw Self.invalid("unexpected character") }
        if first == UInt8(ascii: "0") {
            index += 1
        } else {
            while let byte = peek(), Self.isDigit(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let byte = peek(), Self.isDigit(byte) else { throw Self.invalid("expected a digit") }
            while let byte = peek(), Self.isDigit(byte) { index += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let byte = peek(), Self.isDigit(byte) else { throw Self.invalid("expected a digit") }
            while let byte = peek(), Self.isDigit(byte) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        var value = Google_Firestore_V1_Value()
        // "-0" is the double negative zero (an integer has no sign of zero), as JSONEncoder writes it.
        if isInteger, text != "-0" {
            guard let integer = Int64(text) else { throw Self.unstorable("an integer outside 64 bits") }
            value.integerValue = integer
        } else {
            guard let double = Double(text), double.isFinite else { throw Self.unstorable("a number too large for a double") }
            value.doubleValue = double
        }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    // MARK: - Strings

    private mutating func readString() throws(FirestoreError) -> String {
        index += 1  // the opening quote
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw Self.invalid("unterminated string") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let string = String(validating: utf8, as: UTF8.self) else { throw Self.invalid("a string that is not UTF-8") }
                return string
            case UInt8(ascii: "\\"):
                try readEscape(into: &utf8)
            case 0..<0x20:
                throw Self.invalid("a control character in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func readEscape(into utf8: inout [UInt8]) throws(FirestoreError) {
        guard let byte = peek() else { throw Self.invalid("unterminated string") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4())
            if (0xD800..<0xDC00).contains(scalar) {
                guard peek() == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "u") else {
                    throw Self.invalid("an unpaired surrogate")
                }
                index += 2
                let low = UInt32(try readHex4())
                guard (0xDC00..<0xE000).contains(low) else { throw Self.invalid("an unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw Self.invalid("an unpaired surrogate") }
            utf8.append(contentsOf: String(Character(unicode)).utf8)
        default:
            throw Self.invalid("an unknown escape")
        }
    }

    private mutating func readHex4() throws(FirestoreError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw Self.invalid("a short \\u escape") }
        var result: UInt16 = 0
        for byte in bytes[index..<index + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw Self.invalid("a bad \\u escape")
            }
            result = result << 4 | UInt16(digit)
        }
        index += 4
        return result
    }

    // MARK: - Bytes

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ literal: StaticString) throws(FirestoreError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Self.invalid("unexpected end of JSON") }
        let matches = literal.withUTF8Buffer { Array($0) == Array(bytes[index..<index + count]) }
        guard matches else { throw Self.invalid("unexpected character") }
        index += count
    }

    private static func invalid(_ reason: String) -> FirestoreError {
        FirestoreError(code: .invalidJSON, reason: "Invalid JSON: \(reason).")
    }

    private static func unstorable(_ reason: String) -> FirestoreError {
        FirestoreError(code: .unstorableValue, reason: "JSON not storable in Firestore: \(reason).")
    }
}
