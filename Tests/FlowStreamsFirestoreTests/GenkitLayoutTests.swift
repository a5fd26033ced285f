import FlowStreamsFirestore
import FlowStreamsWire
import Foundation
import Testing

/// Genkit's layout, seeded and checked the way Genkit's own `js/plugins/firebase/tests/firestore_test.ts`
/// does: documents read back as native values.
@Suite("Genkit layout on the emulator", Emulator.required)
struct GenkitLayoutTests {
    let layout = FirestoreGenkitLayout(collection: "genkit-streams")

    static func json(_ text: String) -> JSONBytes { JSONBytes(unchecked: Array(text.utf8)) }

    func stream(_ client: FirestoreClient, _ id: StreamID) async throws -> [Google_Firestore_V1_Value] {
        let document = try #require(try await client.get(client.database.documentName(layout.streamPath(id))))
        #expect(document.fields["createdAt"]?.dateIfSet != nil, "createdAt is set")
        return try #require(document.fields["stream"]?.arrayValuesIfSet)
    }

    @Test("two writes give two chunk entries, each {type:'chunk', chunk, uuid} with distinct uuids; updatedAt is set")
    func twoWrites() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("test-stream-1")!
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            try await client.commit([try layout.appendWrite([.chunk(Self.json(#"{"foo":"bar"}"#))], id: id, in: client.database)])
            try await client.commit([try layout.appendWrite([.chunk(Self.json(#"{"bar":"baz"}"#))], id: id, in: client.database)])
            let entries = try await stream(client, id)
            #expect(entries.count == 2)
            #expect(entries[0].mapFieldsIfSet?["type"] == .string("chunk"))
            #expect(entries[0].mapFieldsIfSet?["chunk"] == .map(["foo": .string("bar")]))
            #expect(entries[1].mapFieldsIfSet?["chunk"] == .map(["bar": .string("baz")]))
            let uuids = entries.compactMap { $0.mapFieldsIfSet?["uuid"]?.stringValueIfSet }
            #expect(uuids.count == 2 && uuids[0] != uuids[1])
            let document = try #require(try await client.get(client.database.documentName(layout.streamPath(id))))
            #expect(document.fields["updatedAt"]?.dateIfSet != nil)
        }
    }

    @Test("identical chunks are both kept (the uuid keeps array-union from merging them)")
    func duplicateChunks() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("test-stream-dupes")!
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            for _ in 0..<2 {
                try await client.commit([try layout.appendWrite([.chunk(Self.json(#"{"foo":"bar"}"#))], id: id, in: client.database)])
            }
            // Several in one commit, as a group commit writes them.
            try await client.commit([try layout.appendWrite(
                [.chunk(Self.json(#"{"foo":"bar"}"#)), .chunk(Self.json(#"{"foo":"bar"}"#))], id: id, in: client.database)])
            let entries = try await stream(client, id)
            #expect(entries.count == 4)
            #expect(Set(entries.map { $0.mapFieldsIfSet?["chunk"] }) == [.map(["foo": .string("bar")])])
            #expect(Set(entries.compactMap { $0.mapFieldsIfSet?["uuid"] }).count == 4)
        }
    }

    @Test("done gives exactly [{type:'done', output:{result:'success'}}], no uuid")
    func done() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("test-stream-2")!
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            try await client.commit([try layout.appendWrite([.done(output: Self.json(#"{"result":"success"}"#))], id: id, in: client.database)])
            #expect(try await stream(client, id) == [.map(["type": .string("done"), "output": .map(["result": .string("success")])])])
        }
    }

    @Test("an error gives {type:'error', err:{message, status, originalMessage}}, read back as the same FlowError")
    func error() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("test-stream-3")!
            let failure = FlowError(status: .invalidArgument, message: "test error", details: Self.json(#"{"field":"x"}"#))
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            try await client.commit([try layout.appendWrite([.error(failure)], id: id, in: client.database)])
            let entries = try await stream(client, id)
            #expect(entries.count == 1)
            let err = try #require(entries[0].mapFieldsIfSet?["err"]?.mapFieldsIfSet)
            #expect(entries[0].mapFieldsIfSet?["type"] == .string("error"))
            #expect(err["message"] == .string("INVALID_ARGUMENT: test error"))
            #expect(err["originalMessage"] == .string("test error"))
            #expect(err["status"] == .string("INVALID_ARGUMENT"))
            let document = try #require(try await client.get(client.database.documentName(layout.streamPath(id))))
            #expect(try layout.decode(document).outcome == .failure(failure))
        }
    }

    @Test("a pre-written [chunk, chunk, done] document decodes in order, then finishes; Listen sees the same")
    func prewritten() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("test-stream-4")!
            let name = client.database.documentName(layout.streamPath(id))
            // Seeded as Genkit's test seeds it: a plain set, no uuids, no times.
            try await client.commit([.set(name, fields: ["stream": .array([
                .map(["type": .string("chunk"), "chunk": .map(["foo": .string("bar")])]),
                .map(["type": .string("chunk"), "chunk": .map(["bar": .string("baz")])]),
                .map(["type": .string("done"), "output": .map(["result": .string("success")])]),
            ])])])
            let document = try #require(try await client.get(name))
            let decoded = try layout.decode(document)
            #expect(decoded.chunks == [Self.json(#"{"foo":"bar"}"#), Self.json(#"{"bar":"baz"}"#)])
            #expect(decoded.outcome == .success(Self.json(#"{"result":"success"}"#)))
            let viaListen = try await client.listen(to: .documents([name])) { snapshots in
                for try await snapshot in snapshots { return snapshot.changed }
                return []
            }
            #expect(try viaListen.map { try layout.decode($0) } == [decoded])
        }
    }

    @Test("a plain JavaScript Error stored by Genkit reads as INTERNAL \"Internal Error\", its text not shown")
    func plainError() async throws {
        try await Emulator.withClient { client in
            let name = client.database.documentName(layout.streamPath(StreamID("plain")!))
            try await client.commit([.set(name, fields: ["stream": .array([
                .map(["type": .string("error"), "err": .map(["message": .string("whoops"), "stack": .string("Error: whoops\n at x")])]),
            ])])])
            #expect(try layout.decode(try #require(try await client.get(name))).outcome == .failure(.internalError))
        }
    }

    @Test("an unknown id is not found; an append to it is refused (not found), as Genkit's update")
    func unknownID() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("non-existent-stream")!
            #expect(try await client.get(client.database.documentName(layout.streamPath(id))) == nil)
            await expectFirestoreError(.notFound) {
                try await client.commit([try layout.appendWrite([.chunk(Self.json("1"))], id: id, in: client.database)])
            }
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            await expectFirestoreError(.alreadyExists) { try await client.commit([layout.openWrite(id: id, in: client.database)]) }
        }
    }

    @Test("a stream that outgrows one document (1 MiB) is refused by Firestore with a clear error, never a crash; what was stored stays")
    func outgrowsDocument() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("big")!
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            let chunk = Self.json("\"" + String(repeating: "x", count: 300_000) + "\"")
            var stored = 0
            var refusal: FirestoreError?
            for _ in 0..<5 {
                do {
                    try await client.commit([try layout.appendWrite([.chunk(chunk)], id: id, in: client.database)])
                    stored += 1
                } catch {
                    refusal = error as? FirestoreError
                    break
                }
            }
            #expect(stored == 3)
            #expect(refusal?.code == .invalidArgument, "\(String(describing: refusal))")
            let document = try #require(try await client.get(client.database.documentName(layout.streamPath(id))))
            #expect(try layout.decode(document).chunks.count == 3)
        }
    }

    @Test("a chunk Firestore cannot store natively (an array in an array) is refused before it is sent")
    func unstorableChunk() async throws {
        let database = try FirestoreDatabase(projectID: "p")
        #expect(throws: FirestoreError.self) {
            _ = try layout.appendWrite([.chunk(Self.json("[[1,2]]"))], id: StreamID("x")!, in: database)
        }
    }

    @Test("nesting: Firestore allows 20 levels of maps and arrays in a field; a chunk sits two down, so 18 levels store and 19 are refused before sending")
    func nestingLimit() async throws {
        try await Emulator.withClient { client in
            let id = StreamID("deep")!
            try await client.commit([layout.openWrite(id: id, in: client.database)])
            let nested = { (levels: Int) in Self.json(String(repeating: #"{"a":"#, count: levels) + "1" + String(repeating: "}", count: levels)) }
            try await client.commit([try layout.appendWrite([.chunk(nested(18))], id: id, in: client.database)])
            expectFirestoreError(.unstorableValue) { try layout.appendWrite([.chunk(nested(19))], id: id, in: client.database) }
            // What the local check spares: Firestore itself refuses the 19 levels in a written document.
            var value = Google_Firestore_V1_Value.integer(1)
            for _ in 0..<19 { value = .map(["a": value]) }
            let entry = Google_Firestore_V1_Value.map(["type": .string("chunk"), "chunk": value, "uuid": .string("u")])
            let other = client.database.documentName(layout.streamPath(StreamID("deep-set")!))
            await expectFirestoreError(.invalidArgument) {
                try await client.commit([.set(other, fields: ["stream": .array([entry])])])
            }
            // The emulator does not check the depth of array-union elements (printed, not asserted).
            let union = try? await client.commit([.update(other, arrayUnion: [(field: "stream", elements: [entry])])])
            print("Firestore emulator: an array-union element nested 21 levels deep was \(union == nil ? "refused" : "stored")")
            let document = try #require(try await client.get(client.database.documentName(layout.streamPath(id))))
            #expect(try layout.decode(document).chunks == [nested(18)])
        }
    }
}
