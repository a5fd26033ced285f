package import Foundation
import SwiftProtobuf

extension Google_Firestore_V1_Value {
    package static let null = Self.with { $0.nullValue = .nullValue }
    package static func string(_ string: String) -> Self { .with { $0.stringValue = string } }
    package static func integer(_ integer: Int64) -> Self { .with { $0.integerValue = integer } }
    package static func boolean(_ boolean: Bool) -> Self { .with { $0.booleanValue = boolean } }
    package static func bytes(_ bytes: [UInt8]) -> Self { .with { $0.bytesValue = Data(bytes) } }
    package static func timestamp(_ date: Date) -> Self { .with { $0.timestampValue = Google_Protobuf_Timestamp(date: date) } }
    package static func array(_ values: [Self]) -> Self { .with { $0.arrayValue = .with { $0.values = values } } }
    package static func map(_ fields: [String: Self]) -> Self { .with { $0.mapValue = .with { $0.fields = fields } } }
    /// The string, or null for `nil`.
    package static func optionalString(_ string: String?) -> Self { string.map(Self.string) ?? .null }
    /// The timestamp, or null for `nil`.
    package static func optionalTimestamp(_ date: Date?) -> Self { date.map(Self.timestamp) ?? .null }

    /// The string when this is a string value.
    package var stringValueIfSet: String? { if case .stringValue(let value) = valueType { value } else { nil } }
    /// The integer when this is an integer value.
    package var integerValueIfSet: Int64? { if case .integerValue(let value) = valueType { value } else { nil } }
    /// The bytes when this is a bytes value.
    package var bytesIfSet: [UInt8]? { if case .bytesValue(let value) = valueType { Array(value) } else { nil } }
    /// The date when this is a timestamp value.
    package var dateIfSet: Date? { if case .timestampValue(let value) = valueType { value.date } else { nil } }
    /// The fields when this is a map value.
    package var mapFieldsIfSet: [String: Self]? { if case .mapValue(let value) = valueType { value.fields } else { nil } }
    /// The elements when this is an array value.
    package var arrayValuesIfSet: [Self]? { if case .arrayValue(let value) = valueType { value.values } else { nil } }
}
