package import SwiftProtobuf

extension Google_Firestore_V1_Write {
    /// Writes the whole document `name` (replacing it if it exists).
    /// - Parameters:
    ///   - serverTimestamps: Fields set to the commit time.
    ///   - precondition: `.exists(false)` to create only, `.updateTime(t)` to replace only that version.
    package static func set(
        _ name: String, fields: [String: Google_Firestore_V1_Value], serverTimestamps: [String] = [],
        precondition: Google_Firestore_V1_Precondition? = nil
    ) -> Self {
        writing(name, fields: fields, transforms: serverTimestamps.map(Google_Firestore_V1_DocumentTransform.FieldTransform.serverTimestamp), precondition: precondition)
    }

    /// Writes only the fields named in `mask` (a name in `mask` missing from `fields` is deleted),
    /// then sets `serverTimestamps` to the commit time and appends `arrayUnion` elements not
    /// already present (Firestore's array union compares whole values: equal elements are dropped).
    /// Without a precondition the document is created if missing; Firestore's own "update" is this
    /// with `.exists(true)`.
    package static func update(
        _ name: String, fields: [String: Google_Firestore_V1_Value] = [:], mask: [String]? = nil,
        serverTimestamps: [String] = [], arrayUnion: [(field: String, elements: [Google_Firestore_V1_Value])] = [],
        precondition: Google_Firestore_V1_Precondition? = nil
    ) -> Self {
        let unions = arrayUnion.map { union in
            Google_Firestore_V1_DocumentTransform.FieldTransform.with {
                $0.fieldPath = union.field
                $0.appendMissingElements = .with { $0.values = union.elements }
            }
        }
        var write = writing(
            name, fields: fields,
            transforms: serverTimestamps.map(Google_Firestore_V1_DocumentTransform.FieldTransform.serverTimestamp) + unions,
            precondition: precondition)
        write.updateMask = .with { $0.fieldPaths = mask ?? fields.keys.sorted() }
        return write
    }

    private static func writing(
        _ name: String, fields: [String: Google_Firestore_V1_Value],
        transforms: [Google_Firestore_V1_DocumentTransform.FieldTransform], precondition: Google_Firestore_V1_Precondition?
    ) -> Self {
        var write = Self()
        write.update = .with {
            $0.name = name
            $0.fields = fields
        }
        write.updateTransforms = transforms
        if let precondition { write.currentDocument = precondition }
        return write
    }

    /// Deletes the document `name` (no error if it does not exist, unless a precondition says so).
    package static func delete(_ name: String, precondition: Google_Firestore_V1_Precondition? = nil) -> Self {
        var write = Self()
        write.delete = name
        if let precondition { write.currentDocument = precondition }
        return write
    }
}

extension Google_Firestore_V1_DocumentTransform.FieldTransform {
    /// Sets `field` to the time the server commits the write.
    package static func serverTimestamp(_ field: String) -> Self {
        .with {
            $0.fieldPath = field
            $0.setToServerValue = .requestTime
        }
    }
}

extension Google_Firestore_V1_Precondition {
    /// The document must exist (`true`) or must not (`false`).
    package static func exists(_ exists: Bool) -> Self { .with { $0.exists = exists } }

    /// The document must exist and its last update must have been at exactly `time`.
    package static func updateTime(_ time: Google_Protobuf_Timestamp) -> Self { .with { $0.updateTime = time } }
}
