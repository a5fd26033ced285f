import FlowStreamsFirestore
import FlowStreamsWire
import Foundation
import Testing

@Suite("Default layout codec")
struct DefaultLayoutTests {
    let layout = FirestoreDefaultLayout(collection: "streams", pageBytes: 100)
    let id = StreamID("abc")!
    let database = try! FirestoreDatabase(projectID: "p")

    func chunk(_ size: Int) -> JSONBytes { JSONBytes(unchecked: Array(("\"" + String(repeating: "x", count: size - 2) + "\"").utf8)) }

    @Test("a stream record survives encode and decode, every outcome kind")
    func recordRoundTrip() throws {
        let cases: [(FirestoreStreamRecord.Status, StreamOutcome?)] = [
            (.running, nil), (.succeeded, .success(JSONBytes(unchecked: Array(#"{"a":1}"#.utf8)))),
            (.failed, .failure(FlowError(status: .unavailable, message: "Stream writer lost."))),
            (.failed, .failure(FlowError(status: .invalidArgument, message: "bad", details: JSONBytes(unchecked: Array("[1]".utf8))))),
        ]
        for (status, outcome) in cases {
            var record = FirestoreStreamRecord(
                status: status, flow: "streamy", owner: nil, instance: "i-1", chunkCount: 7,
                leaseExpiresAt: Date(timeIntervalSince1970: 1_700_000_000.25), outcome: outcome)
            record.expiresAt = Date(timeIntervalSince1970: 1_700_086_400)
            let document = Google_Firestore_V1_Document.with { $0.fields = layout.streamFields(record) }
            #expect(try layout.decodeStream(document) == record)
        }
    }

    @Test("open creates only (exists: false) and sets server times; update is fenced by the read update time")
    func writes() throws {
        let record = FirestoreStreamRecord(flow: "f")
        let open = layout.openWrite(record, id: id, in: database)
        #expect(open.currentDocument == .exists(false))
        #expect(open.update.name == "projects/p/databases/(default)/documents/streams/abc")
        #expect(Set(open.updateTransforms.map(\.fieldPath)) == ["createdAt", "updatedAt"])
        var read = record
        read.updateTime = .init(seconds: 5, nanos: 1000)
        read.outcome = .success(.null)
        read.status = .succeeded
        let update = layout.updateWrite(read, id: id, in: database)
        #expect(update.currentDocument == .updateTime(.init(seconds: 5, nanos: 1000)))
        #expect(update.updateMask.fieldPaths.contains("errorStatus"), "the mask clears fields the record does not have")
        #expect(Set(update.updateTransforms.map(\.fieldPath)) == ["updatedAt", "finishedAt"])
    }

    @Test("chunks are split into pages of at most pageBytes; a larger chunk gets its own page; names sort in order")
    func pages() throws {
        let chunks = [chunk(40), chunk(40), chunk(40), chunk(250), chunk(10)]
        let pages = try layout.pages(for: chunks, first: 5, id: id)
        #expect(pages.map(\.first) == [5, 7, 8, 9])
        #expect(pages.map(\.chunks.count) == [2, 1, 1, 1])
        #expect(pages.flatMap(\.chunks) == chunks)
        #expect(layout.pagePath(id, first: 7) == "streams/abc/pages/0000000007")
        #expect(layout.pagePath(id, first: 7) < layout.pagePath(id, first: 10))
        let decoded = try layout.decodePage(.with { $0.fields = layout.pageFields(pages[0]) })
        #expect(decoded == pages[0])
    }

    @Test("a chunk larger than one document holds is refused with documentTooLarge, one that just fits is not")
    func largestChunk() throws {
        let maximum = layout.maximumChunkBytes(idLength: id.rawValue.utf8.count)
        #expect(maximum > 1_048_000 && maximum < FirestoreDocumentSize.maximum)
        _ = try layout.pages(for: [chunk(maximum)], first: 0, id: id)
        expectFirestoreError(.documentTooLarge) { try layout.pages(for: [chunk(maximum + 1)], first: 0, id: id) }
    }

    @Test("a stream document without status is refused as invalid, not a crash")
    func invalidDocument() {
        #expect(throws: FirestoreError.self) { _ = try layout.decodeStream(.with { $0.fields = ["chunkCount": .integer(1)] }) }
        #expect(throws: FirestoreError.self) { _ = try layout.decodePage(.with { $0.fields = ["first": .integer(0), "chunks": .array([.string("x")])] }) }
    }
}
