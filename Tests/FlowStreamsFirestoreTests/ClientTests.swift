import FlowStreamsFirestore
import Foundation
import Testing

/// The client against the real emulator: commits and preconditions, transactions, queries.
@Suite("Firestore client on the emulator", Emulator.required)
struct ClientTests {
    static func fields(_ n: Int64, _ tag: String = "") -> [String: Google_Firestore_V1_Value] {
        ["n": .integer(n), "tag": .string(tag)]
    }

    @Test("commit with preconditions: a failed precondition is refused and changes nothing, not even the other writes")
    func preconditions() async throws {
        try await Emulator.withClient { client in
            let a = client.database.documentName("things/a")
            let b = client.database.documentName("things/b")
            let created = try await client.commit([.set(a, fields: Self.fields(1), precondition: .exists(false))])
            let createdTime = try #require(created.writeResults.first?.updateTime)

            await expectFirestoreError(.alreadyExists) {
                try await client.commit([.set(a, fields: Self.fields(2), precondition: .exists(false))])
            }
            await expectFirestoreError(.notFound) {
                try await client.commit([.update(b, fields: Self.fields(2), precondition: .exists(true))])
            }
            // Atomic: the first write is valid, the second's precondition fails; neither applies.
            await expectFirestoreError(.failedPrecondition) {
                try await client.commit([
                    .set(b, fields: Self.fields(9)),
                    .update(a, fields: Self.fields(9), precondition: .updateTime(.init(seconds: 1, nanos: 0))),
                ])
            }
            #expect(try await client.get(a)?.fields == Self.fields(1))
            #expect(try await client.get(b) == nil)

            // The right update time passes; after it, the old one fails.
            let updated = try await client.commit([.update(a, fields: ["n": .integer(2)], precondition: .updateTime(createdTime))])
            #expect(try await client.get(a)?.fields["n"] == .integer(2))
            #expect(updated.writeResults.first?.updateTime != createdTime)
            await expectFirestoreError(.failedPrecondition) {
                try await client.commit([.update(a, fields: ["n": .integer(3)], precondition: .updateTime(createdTime))])
            }
            #expect(try await client.get(a)?.fields == ["n": .integer(2), "tag": .string("")], "the masked update kept tag")
        }
    }

    @Test("batch get returns the documents that exist, by name")
    func batchGet() async throws {
        try await Emulator.withClient { client in
            let names = (0..<3).map { client.database.documentName("things/d\($0)") }
            try await client.commit([.set(names[0], fields: Self.fields(0)), .set(names[2], fields: Self.fields(2))])
            let found = try await client.batchGet(names + [client.database.documentName("other/x")])
            #expect(Set(found.keys) == [names[0], names[2]])
            #expect(found[names[2]]?.fields["n"] == .integer(2))
        }
    }

    @Test("transactions: concurrent read-modify-write transactions all count (aborted ones run again); a throwing body writes nothing")
    func transactions() async throws {
        try await Emulator.withClient { client in
            let counter = client.database.documentName("counters/c")
            try await client.commit([.set(counter, fields: ["n": .integer(0)])])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        try await client.transaction(maximumAttempts: 20) { transaction in
                            let n = try await transaction.get(counter)?.fields["n"]?.integerValueIfSet ?? 0
                            return ((), [.set(counter, fields: ["n": .integer(n + 1)])])
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await client.get(counter)?.fields["n"] == .integer(5))

            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                try await client.transaction { (_: FirestoreTransaction) -> ((), [Google_Firestore_V1_Write]) in
                    throw Refused()
                }
            }
            let other = client.database.documentName("counters/other")
            _ = try? await client.transaction { transaction -> ((), [Google_Firestore_V1_Write]) in
                _ = try await transaction.get(other)
                throw Refused()
            }
            #expect(try await client.get(other) == nil)
        }
    }

    @Test("queries: a filter, an order and a limit, on a top-level collection and a subcollection")
    func queries() async throws {
        try await Emulator.withClient { client in
            var writes: [Google_Firestore_V1_Write] = []
            for n in [5, 2, 8, 0, 9, 4, 7, 1, 3, 6] as [Int64] {
                writes.append(.set(client.database.documentName("items/i\(n)"), fields: Self.fields(n, n % 2 == 0 ? "even" : "odd")))
                writes.append(.set(client.database.documentName("parents/p/items/i\(n)"), fields: Self.fields(n * 10)))
            }
            try await client.commit(writes)
            let top3 = try await client.runQuery(.collection("items").order(by: "n", descending: true).limit(3))
            #expect(top3.map { $0.fields["n"] } == [.integer(9), .integer(8), .integer(7)])
            let evenFrom4 = try await client.runQuery(
                .collection("items").filter("tag", .equal, .string("even")).filter("n", .greaterThanOrEqual, .integer(4)).order(by: "n").limit(2))
            #expect(evenFrom4.map { $0.fields["n"] } == [.integer(4), .integer(6)])
            let children = try await client.runQuery(
                .collection("items").order(by: "n").limit(2), parent: client.database.documentName("parents/p"))
            #expect(children.map { $0.fields["n"] } == [.integer(0), .integer(10)])
            #expect(try await client.runQuery(.collection("none")).isEmpty)
        }
    }

    @Test("a document over 1 MiB is refused before it is sent, with documentTooLarge; the client keeps serving")
    func documentTooLarge() async throws {
        try await Emulator.withClient { client in
            let name = client.database.documentName("big/one")
            let big = [UInt8](repeating: 0x61, count: 1_100_000)
            await expectFirestoreError(.documentTooLarge) {
                try await client.commit([.set(name, fields: ["data": .bytes(big)])])
            }
            #expect(try await client.get(name) == nil)
            try await client.commit([.set(name, fields: ["data": .bytes(Array(big.prefix(1000)))])])
            #expect(try await client.get(name)?.fields["data"] == .bytes(Array(big.prefix(1000))))
        }
    }

    @Test("the size limit the emulator enforces is FirestoreDocumentSize's: a document of exactly 1 MiB by its count is stored, one byte more refused")
    func sizeBoundary() async throws {
        try await Emulator.withClient { client in
            // A masked update is checked locally for the fields it writes only: the server decides on the whole.
            let name = client.database.documentName("edge/doc")
            let half = [UInt8](repeating: 1, count: 600_000)
            try await client.commit([.set(name, fields: ["a": .bytes(half)])])
            let rest = FirestoreDocumentSize.maximum - FirestoreDocumentSize.ofDocument(name: name, fields: ["a": .bytes(half), "b": .bytes([])])
            await expectFirestoreError(.invalidArgument) {
                try await client.commit([.update(name, fields: ["b": .bytes([UInt8](repeating: 2, count: rest + 1))], mask: ["b"])])
            }
            try await client.commit([.update(name, fields: ["b": .bytes([UInt8](repeating: 2, count: rest))], mask: ["b"])])
            let stored = try #require(try await client.get(name))
            #expect(FirestoreDocumentSize.ofDocument(name: name, fields: stored.fields) == FirestoreDocumentSize.maximum)
            // One value may not exceed 1 MiB - 89 bytes, whatever the document.
            await expectFirestoreError(.documentTooLarge) {
                try await client.commit([.set(name, fields: ["c": .bytes([UInt8](repeating: 3, count: FirestoreDocumentSize.maximumValueBytes + 1))])])
            }
        }
    }
}
