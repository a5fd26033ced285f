import FlowStreamsFirestore
import Foundation
import Testing
import TestSupport

/// Listen against the real emulator: latency between two clients, and a stream broken and resumed.
@Suite("Firestore Listen on the emulator", Emulator.required, .serialized)
struct ListenTests {
    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    static func summary(_ durations: [Duration]) -> String {
        let sorted = durations.map(milliseconds).sorted()
        func at(_ q: Double) -> String { String(format: "%.1f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) }
        return "min \(at(0)) ms, median \(at(0.5)) ms, p90 \(at(0.9)) ms, max \(at(1)) ms (n=\(sorted.count))"
    }

    /// Reads snapshots until every name in `names` was seen changed (or removed, when `removed`).
    static func awaitNames(
        _ names: Set<String>, in iterator: inout FirestoreListenSnapshots.AsyncIterator
    ) async throws -> [FirestoreListenSnapshot] {
        var seen: Set<String> = []
        var snapshots: [FirestoreListenSnapshot] = []
        while !names.isSubset(of: seen) {
            guard let snapshot = try await iterator.next() else { throw CancellationError() }
            snapshots.append(snapshot)
            seen.formUnion(snapshot.changed.map(\.name))
            seen.formUnion(snapshot.removed)
        }
        return snapshots
    }

    @Test("Listen sees a document committed by another client within tens of milliseconds (printed)")
    func latency() async throws {
        let projectID = Emulator.newProjectID()
        let clock = ContinuousClock()
        try await Emulator.withClient(projectID: projectID) { writer in
            try await Emulator.withClient(projectID: projectID) { reader in
                let (fromCall, fromAck, commits) = try await withTimeout(.seconds(60)) {
                    try await reader.listen(to: .query(.collection("events"), parent: reader.database.documentsRoot)) { snapshots in
                        var iterator = snapshots.makeAsyncIterator()
                        let initial = try #require(try await iterator.next())
                        #expect(initial.changed.isEmpty && initial.connection == 1)
                        var fromCall: [Duration] = []
                        var fromAck: [Duration] = []
                        var commits: [Duration] = []
                        for i in 0..<30 {
                            let name = writer.database.documentName("events/e\(i)")
                            let start = clock.now
                            try await writer.commit([.set(name, fields: ["i": .integer(Int64(i))])])
                            let acknowledged = clock.now
                            _ = try await Self.awaitNames([name], in: &iterator)
                            let seen = clock.now
                            if i > 0 { // The first includes warm-up.
                                fromCall.append(start.duration(to: seen))
                                fromAck.append(acknowledged.duration(to: seen))
                                commits.append(start.duration(to: acknowledged))
                            }
                        }
                        return (fromCall, fromAck, commits)
                    }
                }
                print("Firestore emulator Listen latency, commit call → snapshot: \(Self.summary(fromCall))")
                print("Firestore emulator Listen latency, commit acknowledged → snapshot: \(Self.summary(fromAck))")
                print("Firestore emulator commit round trip: \(Self.summary(commits))")
                // The reader has the document by the time the writer's commit returns, give or take.
                #expect(fromAck.sorted()[fromAck.count / 2] < .milliseconds(50), "\(Self.summary(fromAck))")
                // (From the call, the commit's own round trip counts too: that is the emulator's speed,
                // printed above, not Listen's, so it is not checked.)
            }
        }
    }

    @Test("a broken Listen stream is re-established and resumes: changes made while it was down arrive once, nothing earlier again")
    func reconnect() async throws {
        let endpoint = try #require(Emulator.endpoint)
        let proxy = try await TCPProxy.start(upstreamHost: endpoint.host, upstreamPort: endpoint.port)
        do {
            try await reconnect(through: proxy)
        } catch {
            await proxy.stop()
            throw error
        }
        await proxy.stop()
    }

    private func reconnect(through proxy: TCPProxy) async throws {
        let projectID = Emulator.newProjectID()
        let clock = ContinuousClock()
        let throughProxy = try Emulator.configuration(projectID: projectID, endpoint: .emulator(host: "127.0.0.1", port: proxy.port))
        try await Emulator.withClient(projectID: projectID) { writer in
            let name = { @Sendable (id: String) in writer.database.documentName("events/\(id)") }
            try await writer.commit([.set(name("gone"), fields: ["v": .integer(0)])])
            try await Emulator.withClient(throughProxy) { reader in
                try await withTimeout(.seconds(60)) {
                    try await reader.listen(to: .query(.collection("events"), parent: reader.database.documentsRoot)) { snapshots in
                        var iterator = snapshots.makeAsyncIterator()
                        let initial = try #require(try await iterator.next())
                        #expect(initial.changed.map(\.name) == [name("gone")])
                        try await writer.commit([.set(name("e0"), fields: ["v": .integer(0)])])
                        let before = try await Self.awaitNames([name("e0")], in: &iterator)
                        #expect(before.allSatisfy { $0.connection == 1 })

                        // Cut every connection and refuse new ones; write meanwhile.
                        proxy.refuse(true)
                        proxy.cut()
                        try await writer.commit([
                            .set(name("e1"), fields: ["v": .integer(1)]),
                            .set(name("e2"), fields: ["v": .integer(2)]),
                            .delete(name("gone")),
                        ])
                        let reopened = clock.now
                        proxy.refuse(false)

                        let after = try await Self.awaitNames([name("e1"), name("e2"), name("gone")], in: &iterator)
                        let resumedIn = reopened.duration(to: clock.now)
                        let changed = after.flatMap(\.changed).map(\.name)
                        #expect(changed.sorted() == [name("e1"), name("e2")], "each once, e0 not again")
                        #expect(after.flatMap(\.removed) == [name("gone")])
                        #expect(after.allSatisfy { $0.connection >= 2 })
                        print("Firestore emulator Listen resumed \(String(format: "%.1f", Self.milliseconds(resumedIn))) ms after the proxy let connections through again (connection \(after.last?.connection ?? 0))")

                        // And it keeps working on the new connection.
                        try await writer.commit([.set(name("e3"), fields: ["v": .integer(3)])])
                        let later = try await Self.awaitNames([name("e3")], in: &iterator)
                        #expect(later.flatMap(\.changed).map(\.name) == [name("e3")])
                    }
                }
            }
        }
    }

    @Test("a documents target sees a document appear, change and disappear")
    func documentsTarget() async throws {
        let projectID = Emulator.newProjectID()
        try await Emulator.withClient(projectID: projectID) { client in
            let name = client.database.documentName("streams/s1")
            try await withTimeout(.seconds(30)) {
                try await client.listen(to: .documents([name])) { snapshots in
                    var iterator = snapshots.makeAsyncIterator()
                    let initial = try #require(try await iterator.next())
                    #expect(initial.changed.isEmpty, "the document does not exist yet")
                    try await client.commit([.set(name, fields: ["n": .integer(1)])])
                    let created = try await Self.awaitNames([name], in: &iterator)
                    #expect(created.last?.changed.last?.fields["n"] == .integer(1))
                    try await client.commit([.update(name, fields: ["n": .integer(2)])])
                    let updated = try await Self.awaitNames([name], in: &iterator)
                    #expect(updated.last?.changed.last?.fields["n"] == .integer(2))
                    try await client.commit([.delete(name)])
                    let deleted = try await Self.awaitNames([name], in: &iterator)
                    #expect(deleted.last?.removed == [name])
                }
            }
        }
    }
}
