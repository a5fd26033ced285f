import FlowStreamsWire
import TestSupport

/// A random JSON value Firestore can store natively (no array directly in an array, no empty or
/// reserved keys), and two ways to write it: canonically (`JSONBytes(encoding:)`) and loosely
/// (whitespace, keys out of order, `\/` and `\u` escapes), as other encoders do.
indirect enum RandomJSON: Encodable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([RandomJSON])
    case object([(String, RandomJSON)])

    static func make(_ random: inout SplitMix64, depth: Int = 0, insideArray: Bool = false) -> RandomJSON {
        let containers = depth < 6
        switch random.below(containers ? 8 : 6) {
        case 0: return .null
        case 1: return .bool(random.below(2) == 0)
        case 2: return .integer(randomInteger(&random))
        case 3: return .double(randomDouble(&random))
        case 4, 5: return .string(randomString(&random))
        case 6 where !insideArray:
            return .array((0..<random.below(5)).map { _ in make(&random, depth: depth + 1, insideArray: true) })
        default:
            var keys: Set<String> = []
            var members: [(String, RandomJSON)] = []
            for _ in 0..<random.below(5) {
                let key = randomString(&random, nonEmpty: true)
                guard !(key.hasPrefix("__") && key.hasSuffix("__")), keys.insert(key).inserted else { continue }
                members.append((key, make(&random, depth: depth + 1)))
            }
            return .object(members)
        }
    }

    static func randomInteger(_ random: inout SplitMix64) -> Int64 {
        switch random.below(5) {
        case 0: return [Int64.min, Int64.max, 0, -1, 1 << 53, -(1 << 53) - 1][random.below(6)]
        case 1: return Int64(bitPattern: random.next())
        default: return Int64(random.below(2_000)) - 1_000
        }
    }

    static func randomDouble(_ random: inout SplitMix64) -> Double {
        switch random.below(6) {
        case 0: return [-0.0, 0.1, 1e-7, .leastNonzeroMagnitude, 1.7976931348623157e308, 1e21, 123.0, 0.5][random.below(8)]
        case 1:
            let double = Double(bitPattern: random.next())
            return double.isFinite ? double : 2.5
        default: return Double(Int(random.below(1_000_000)) - 500_000) / Double([1, 10, 100, 7, 3][random.below(5)])
        }
    }

    static func randomString(_ random: inout SplitMix64, nonEmpty: Bool = false) -> String {
        let alphabet: [String] = ["a", "Z", "0", " ", "/", "\\", "\"", "\n", "\t", "\u{01}", "\u{1F}", "é", "€", "😀", "\u{2028}", "<", "&", "'"]
        let count = random.below(8) + (nonEmpty ? 1 : 0)
        return (0..<count).map { _ in alphabet[random.below(alphabet.count)] }.joined()
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .integer(let integer): try container.encode(integer)
        case .double(let double): try container.encode(double)
        case .string(let string): try container.encode(string)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(Dictionary(uniqueKeysWithValues: members))
        }
    }

    /// The value written as another encoder might: spaces, reversed keys, every non-ASCII scalar
    /// and `/` escaped.
    func looseText() -> String {
        switch self {
        case .null: return " null"
        case .bool(let bool): return bool ? "true " : "false"
        case .integer(let integer): return "\(integer)"
        case .double(let double): return "\(double)"
        case .string(let string): return Self.escaped(string)
        case .array(let values): return "[ " + values.map { $0.looseText() }.joined(separator: " ,\n") + " ]"
        case .object(let members):
            return "{\t" + members.reversed().map { "\(Self.escaped($0.0)) : \($0.1.looseText())" }.joined(separator: ",") + "}"
        }
    }

    private static func escaped(_ string: String) -> String {
        var text = "\""
        for unit in string.utf16 {
            switch unit {
            case 0x22: text += "\\\""
            case 0x5C: text += "\\\\"
            case 0x2F: text += "\\/"
            case 0x20..<0x7F: text.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            default:
                let hex = String(unit, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return text + "\""
    }
}
