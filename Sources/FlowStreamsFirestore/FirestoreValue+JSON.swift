package import FlowStreamsWire

/// Between FlowStreams' JSON bytes and native Firestore values (Genkit's layout stores chunks and
/// outputs as native values, so a Genkit JS server reads them as objects).
package enum FirestoreJSON {
    /// How deep objects and arrays may nest. Firestore allows 20 levels of maps and arrays in a
    /// document; a layout that puts the value inside its own maps passes what is left.
    package static let maximumDepth = 20

    /// The native value the JSON bytes hold: objects → map values, arrays → array values, numbers
    /// without fraction or exponent → integer values, other numbers → double values, strings,
    /// booleans, null.
    /// - Throws: `FirestoreError` `.invalidJSON` (not one JSON value) or `.unstorableValue` (an array
    ///   directly inside an array, an empty or `__reserved__` key, a repeated key, an integer
    ///   outside 64 bits, a number beyond a double, nesting deeper than `maximumDepth`).
    package static func value(from json: JSONBytes, maximumDepth: Int = maximumDepth) throws(FirestoreError) -> Google_Firestore_V1_Value {
        try JSONValueReader.value(from: json.bytes, maximumDepth: maximumDepth)
    }

    /// The canonical JSON bytes of a native value, exactly as `JSONBytes(encoding:)` writes the same
    /// JSON value (sorted keys, `/` not escaped). See `JSONValueWriter` for the types JSON lacks.
    /// - Throws: `FirestoreError` `.invalidDocument` if the encoder fails (it does not for these values).
    package static func json(from value: Google_Firestore_V1_Value) throws(FirestoreError) -> JSONBytes {
        do {
            return try JSONBytes(encoding: JSONValueWriter(value: value))
        } catch {
            throw FirestoreError(code: .invalidDocument, reason: "A stored value could not be written as JSON.", underlying: error)
        }
    }
}
