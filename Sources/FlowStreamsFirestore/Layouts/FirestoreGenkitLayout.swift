package import FlowStreamsWire
package import Foundation

/// The document layout of Genkit's JS `FirestoreStreamManager` (`@genkit-ai/firebase`,
/// `js/plugins/firebase/src/stream-manager/firestore.ts`), so a Genkit JS server and a FlowStreams
/// server on one collection resume each other's streams. One document per stream,
/// `<collection>/<id>`:
///
/// ```
/// { createdAt: <server time>, updatedAt: <server time>,
///   stream: [ {type: 'chunk', chunk: <value>, uuid: <random uuid>}, …,
///             {type: 'done', output: <value>} | {type: 'error', err: {message, …}} ] }
/// ```
///
/// Values are native Firestore values (`FirestoreJSON`). Genkit's `open` sets `createdAt` and an
/// empty `stream`; each write is an update (the document must exist) that sets `updatedAt` and
/// appends with array-union; the uuid keeps equal chunks apart, since array-union drops an element
/// equal to one already present. The whole stream lives in one document, so it is capped at
/// Firestore's 1 MiB, and the layout has no leases.
package struct FirestoreGenkitLayout: Sendable {
    /// The stream documents' collection.
    package let collection: String

    package init(collection: String) {
        self.collection = collection
    }

    /// One element of the `stream` array.
    package enum Entry: Sendable, Hashable {
        case chunk(JSONBytes)
        case done(output: JSONBytes)
        case error(FlowError)
    }

    /// A stream document decoded: its entries in order.
    package struct Stream: Sendable, Hashable {
        package var entries: [Entry]
        package var createdAt: Date?
        package var updatedAt: Date?

        /// The chunks, in order.
        package var chunks: [JSONBytes] {
            entries.compactMap { if case .chunk(let chunk) = $0 { chunk } else { nil } }
        }

        /// The first terminal entry (Genkit's subscriber stops at it), or `nil` while running.
        package var outcome: StreamOutcome? {
            for entry in entries {
                switch entry {
                case .chunk: continue
                case .done(let output): return .success(output)
                case .error(let error): return .failure(error)
                }
            }
            return nil
        }
    }

    /// `<collection>/<id>`.
    package func streamPath(_ id: StreamID) -> String { "\(collection)/\(id.rawValue)" }

    /// Genkit's `open`: `{createdAt: <server time>, stream: []}`. Genkit itself overwrites an
    /// existing document; this write requires that none exists (`.alreadyExists` otherwise).
    package func openWrite(id: StreamID, in database: FirestoreDatabase) -> Google_Firestore_V1_Write {
        .set(
            database.documentName(streamPath(id)), fields: ["stream": .array([])],
            serverTimestamps: ["createdAt"], precondition: .exists(false))
    }

    /// Genkit's `write` / `done` / `error`, several at once: sets `updatedAt` and appends the entries
    /// with array-union, if the document exists (`.notFound` otherwise, as Genkit's `update`).
    /// - Parameter uuid: Makes each chunk's uuid (lower-case UUIDs, as Node's `randomUUID`).
    /// - Throws: `FirestoreError` `.invalidJSON` or `.unstorableValue` for a value that cannot be stored natively.
    package func appendWrite(
        _ entries: [Entry], id: StreamID, in database: FirestoreDatabase,
        uuid: () -> String = { UUID().uuidString.lowercased() }
    ) throws(FirestoreError) -> Google_Firestore_V1_Write {
        var elements: [Google_Firestore_V1_Value] = []
        for entry in entries { elements.append(try encode(entry, uuid: uuid)) }
        return .update(
            database.documentName(streamPath(id)), serverTimestamps: ["updatedAt"],
            arrayUnion: [(field: "stream", elements: elements)], precondition: .exists(true))
    }

    /// The stream document decoded. Unknown entry types are skipped, as Genkit's subscriber does.
    /// - Throws: `FirestoreError` `.invalidDocument` when `stream` is there but not an array.
    package func decode(_ document: Google_Firestore_V1_Document) throws(FirestoreError) -> Stream {
        var stream = Stream(
            entries: [], createdAt: document.fields["createdAt"]?.dateIfSet, updatedAt: document.fields["updatedAt"]?.dateIfSet)
        guard let field = document.fields["stream"] else { return stream }
        guard let values = field.arrayValuesIfSet else {
            throw FirestoreError(code: .invalidDocument, reason: "A Genkit stream document's stream field is not an array.")
        }
        for value in values {
            if let entry = try decodeEntry(value) { stream.entries.append(entry) }
        }
        return stream
    }
}
