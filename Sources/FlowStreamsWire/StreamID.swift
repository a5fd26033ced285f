#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The id of a durable stream: 1 to 128 characters from `[A-Za-z0-9_-]`, compared case-insensitively.
///
/// New ids are random lower-case UUID v4 strings. Ids are secrets when streams have no owner:
/// FlowStreams logs them at debug level only.
public struct StreamID: Hashable, Sendable, CustomStringConvertible {
    /// The id, lower-cased.
    public let rawValue: String

    /// The longest id accepted, in bytes.
    public static let maximumLength = 128

    /// Validates and normalizes an id; `nil` when it is empty, longer than 128 bytes, or has a
    /// character outside `[A-Za-z0-9_-]`.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= StreamID.maximumLength,
              utf8.allSatisfy(StreamID.isAllowed) else { return nil }
        self.rawValue = text.lowercased()
    }

    /// A new random id (UUID v4, lower-case).
    public static func random() -> StreamID {
        StreamID(UUID().uuidString)!
    }

    public var description: String { rawValue }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
