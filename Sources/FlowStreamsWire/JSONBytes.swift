#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The UTF-8 bytes of one JSON value (a chunk, an output, details), encoded once and stored as they are.
///
/// Every reader, live or replayed, in any process, gets these same bytes: nothing is re-encoded.
public struct JSONBytes: Sendable, Hashable, CustomStringConvertible {
    /// The UTF-8 encoded JSON text.
    public var bytes: [UInt8]

    /// Wraps bytes that are already one valid JSON value. No check is made.
    public init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Encodes a value with FlowStreams' canonical encoder (sorted keys, `/` not escaped).
    /// - Throws: `EncodingError` when the value cannot be encoded.
    public init(encoding value: some Encodable) throws {
        self.bytes = Array(try JSONBytes.makeEncoder().encode(value))
    }

    /// Decodes the bytes as `type`.
    /// - Throws: `DecodingError` when they do not fit.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(type, from: Data(bytes))
    }

    /// `null`.
    public static let null = JSONBytes(unchecked: Array("null".utf8))

    public var count: Int { bytes.count }

    public var description: String { "JSONBytes(\(bytes.count) bytes)" }

    /// The encoder every payload goes through: `.sortedKeys` and `.withoutEscapingSlashes`, so
    /// the same value gives the same bytes in every process (docs/PROTOCOL.md, "Payload bytes").
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
