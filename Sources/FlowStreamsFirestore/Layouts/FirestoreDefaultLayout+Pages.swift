package import FlowStreamsWire

extension FirestoreDefaultLayout {
    /// Chunks stored together in one page document.
    package struct Page: Sendable, Hashable {
        /// The index of the first chunk.
        package var first: Int
        package var chunks: [JSONBytes]

        package init(first: Int, chunks: [JSONBytes]) {
            self.first = first
            self.chunks = chunks
        }

        /// The index after the last chunk.
        package var end: Int { first + chunks.count }
    }

    /// The fields of a page document.
    package func pageFields(_ page: Page) -> [String: Google_Firestore_V1_Value] {
        ["first": .integer(Int64(page.first)), "chunks": .array(page.chunks.map { .bytes($0.bytes) })]
    }

    /// Creates a page document; fails with `.alreadyExists` if that page was written already.
    package func pageWrite(_ page: Page, id: StreamID, in database: FirestoreDatabase) -> Google_Firestore_V1_Write {
        .set(database.documentName(pagePath(id, first: page.first)), fields: pageFields(page), precondition: .exists(false))
    }

    /// A page document decoded.
    /// - Throws: `FirestoreError` `.invalidDocument` when it lacks `first` or holds other than bytes.
    package func decodePage(_ document: Google_Firestore_V1_Document) throws(FirestoreError) -> Page {
        guard let first = document.fields["first"]?.integerValueIfSet, first >= 0,
              let values = document.fields["chunks"]?.arrayValuesIfSet
        else {
            throw FirestoreError(code: .invalidDocument, reason: "A page document lacks first or chunks.")
        }
        var chunks: [JSONBytes] = []
        chunks.reserveCapacity(values.count)
        for value in values {
            guard let bytes = value.bytesIfSet else {
                throw FirestoreError(code: .invalidDocument, reason: "A page document holds a chunk that is not bytes.")
            }
            chunks.append(JSONBytes(unchecked: bytes))
        }
        return Page(first: Int(first), chunks: chunks)
    }

    /// The largest chunk a page document holds on its own, for a stream id of `idLength` bytes.
    package func maximumChunkBytes(idLength: Int = StreamID.maximumLength) -> Int {
        let id = StreamID(String(repeating: "x", count: max(1, idLength)))!
        let page = Page(first: Int(Int32.max), chunks: [JSONBytes(unchecked: [])])
        return FirestoreDocumentSize.maximum
            - FirestoreDocumentSize.ofDocument(name: "x/documents/" + pagePath(id, first: page.first), fields: pageFields(page))
    }

    /// `chunks` (indices `first...`) split into pages: a page takes chunks while their bytes stay
    /// within `pageBytes`; a chunk larger than that gets a page of its own.
    /// - Throws: `FirestoreError` `.documentTooLarge` for a chunk larger than `maximumChunkBytes`.
    package func pages(for chunks: [JSONBytes], first: Int, id: StreamID) throws(FirestoreError) -> [Page] {
        let limit = maximumChunkBytes(idLength: id.rawValue.utf8.count)
        var pages: [Page] = []
        var current = Page(first: first, chunks: [])
        var bytes = 0
        for chunk in chunks {
            guard chunk.count <= limit else {
                throw FirestoreError(
                    code: .documentTooLarge,
                    reason: "A chunk of \(chunk.count) bytes exceeds the \(limit) bytes one Firestore document holds.")
            }
            if !current.chunks.isEmpty, bytes + chunk.count > pageBytes {
                pages.append(current)
                current = Page(first: current.end, chunks: [])
                bytes = 0
            }
            current.chunks.append(chunk)
            bytes += chunk.count
        }
        if !current.chunks.isEmpty { pages.append(current) }
        return pages
    }
}
