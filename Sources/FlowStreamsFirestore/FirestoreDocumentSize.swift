/// The storage size of documents and values as Firestore counts it against its 1 MiB document
/// limit ("Storage size calculations" in Firestore's documentation): a string counts its UTF-8
/// bytes + 1, a boolean or null 1, a number or timestamp 8, a geo point 16, bytes their length, a
/// map the sizes of its keys and values, a document its name + its fields + 32.
package enum FirestoreDocumentSize {
    /// The largest document Firestore stores, by this count: 1 MiB. Measured on the emulator: a
    /// document of 1,048,576 bytes is stored, one of 1,048,577 refused (`INVALID_ARGUMENT`).
    package static let maximum = 1_048_576

    /// The longest string or bytes value: 1 MiB - 89 bytes (the API reference; the emulator stores
    /// a bytes value of 1,048,487 bytes and refuses one of 1,048,488).
    package static let maximumValueBytes = 1_048_487

    /// Whether some string or bytes value in `fields` (at any depth) is longer than `maximumValueBytes`.
    package static func hasOversizedValue(_ fields: [String: Google_Firestore_V1_Value]) -> Bool {
        fields.values.contains(where: isOversized)
    }

    private static func isOversized(_ value: Google_Firestore_V1_Value) -> Bool {
        switch value.valueType {
        case .stringValue(let string): string.utf8.count > maximumValueBytes
        case .bytesValue(let data): data.count > maximumValueBytes
        case .arrayValue(let array): array.values.contains(where: isOversized)
        case .mapValue(let map): map.fields.values.contains(where: isOversized)
        default: false
        }
    }

    /// The size of one value.
    package static func of(_ value: Google_Firestore_V1_Value) -> Int {
        switch value.valueType {
        case .nullValue, .booleanValue, nil: 1
        case .integerValue, .doubleValue, .timestampValue: 8
        case .geoPointValue: 16
        case .stringValue(let string): string.utf8.count + 1
        case .bytesValue(let data): data.count
        case .referenceValue(let name): ofName(name)
        case .arrayValue(let array): array.values.reduce(0) { $0 + of($1) }
        case .mapValue(let map): ofFields(map.fields)
        }
    }

    /// The size of a map's keys and values.
    package static func ofFields(_ fields: [String: Google_Firestore_V1_Value]) -> Int {
        fields.reduce(0) { $0 + $1.key.utf8.count + 1 + of($1.value) }
    }

    /// The size of a document name: each path segment after `documents/` as a string, + 16.
    package static func ofName(_ name: String) -> Int {
        let path = name.firstRange(of: "/documents/").map { String(name[$0.upperBound...]) } ?? name
        return path.split(separator: "/", omittingEmptySubsequences: false).reduce(16) { $0 + $1.utf8.count + 1 }
    }

    /// The size of a document with these fields (`serverTimestamps` are fields a transform will set
    /// to a timestamp).
    package static func ofDocument(
        name: String, fields: [String: Google_Firestore_V1_Value], serverTimestamps: [String] = []
    ) -> Int {
        ofName(name) + ofFields(fields) + serverTimestamps.reduce(0) { $0 + $1.utf8.count + 1 + 8 } + 32
    }
}
