import FlowStreamsFirestore
import Foundation
import SwiftProtobuf
import Testing

/// The Listen state machine fed the responses a server sends, without a server.
@Suite("Listen state machine")
struct ListenStateTests {
    static func document(_ name: String, _ n: Int64) -> Google_Firestore_V1_Document {
        .with {
            $0.name = name
            $0.fields = ["n": .integer(n)]
        }
    }

    static func change(_ name: String, _ n: Int64, target: Int32 = 1) -> Google_Firestore_V1_ListenResponse {
        .with { $0.documentChange = .with { $0.document = document(name, n); $0.targetIds = [target] } }
    }

    static func target(_ type: Google_Firestore_V1_TargetChange.TargetChangeType, ids: [Int32] = [1], token: String? = nil, readTime: Int64? = nil) -> Google_Firestore_V1_ListenResponse {
        .with {
            $0.targetChange = .with {
                $0.targetChangeType = type
                $0.targetIds = ids
                if let token { $0.resumeToken = Data(token.utf8) }
                if let readTime { $0.readTime = .init(seconds: readTime, nanos: 0) }
            }
        }
    }

    static func consistent(token: String, at time: Int64) -> Google_Firestore_V1_ListenResponse {
        target(.noChange, ids: [], token: token, readTime: time)
    }

    static func snapshot(_ action: ListenState.Action) -> FirestoreListenSnapshot? {
        if case .emit(let snapshot) = action { snapshot } else { nil }
    }

    @Test("changes are handed out at the consistent snapshot after CURRENT, with that snapshot's resume token")
    func initialSnapshot() throws {
        var state = ListenState()
        #expect(state.connected() == nil)
        #expect(Self.snapshot(state.receive(Self.target(.add))) == nil)
        #expect(Self.snapshot(state.receive(Self.change("a", 1))) == nil)
        #expect(Self.snapshot(state.receive(Self.target(.current, token: "t0"))) == nil)
        let first = try #require(Self.snapshot(state.receive(Self.consistent(token: "t1", at: 10))))
        #expect(first.changed.map(\.name) == ["a"])
        #expect(first.connection == 1)
        #expect(state.resumeToken == Array("t1".utf8))
        // Nothing new: no snapshot, but the newer token is kept.
        #expect(Self.snapshot(state.receive(Self.consistent(token: "t2", at: 11))) == nil)
        #expect(state.resumeToken == Array("t2".utf8))
        _ = state.receive(Self.change("a", 2))
        _ = state.receive(.with { $0.documentDelete = .with { $0.document = "b" } })
        let second = try #require(Self.snapshot(state.receive(Self.consistent(token: "t3", at: 12))))
        #expect(second.changed.first?.fields["n"] == .integer(2))
        #expect(second.removed.isEmpty, "b was never seen")
    }

    @Test("a reconnect drops what was not handed out and resumes from the last snapshot's token")
    func reconnect() throws {
        var state = ListenState()
        _ = state.connected()
        _ = state.receive(Self.target(.current))
        _ = state.receive(Self.change("a", 1))
        _ = try #require(Self.snapshot(state.receive(Self.consistent(token: "t1", at: 1))))
        _ = state.receive(Self.change("a", 2))  // Gathered, then the stream breaks.
        #expect(state.connected() == Array("t1".utf8))
        _ = state.receive(Self.change("a", 2))  // The server sends it again after the token.
        _ = state.receive(Self.target(.current))
        let resumed = try #require(Self.snapshot(state.receive(Self.consistent(token: "t2", at: 2))))
        #expect(resumed.changed.map { $0.fields["n"] } == [.integer(2)])
        #expect(resumed.connection == 2)
    }

    @Test("after a reconnect an empty snapshot says the target is current again")
    func emptySnapshotAfterReconnect() throws {
        var state = ListenState()
        _ = state.connected()
        _ = state.receive(Self.target(.current))
        _ = try #require(Self.snapshot(state.receive(Self.consistent(token: "t1", at: 1))))
        _ = state.connected()
        _ = state.receive(Self.target(.current))
        let empty = try #require(Self.snapshot(state.receive(Self.consistent(token: "t2", at: 2))))
        #expect(empty.changed.isEmpty && empty.removed.isEmpty)
    }

    @Test("an existence filter that disagrees drops the token; the fresh state then reports what vanished")
    func existenceFilterMismatch() throws {
        var state = ListenState()
        _ = state.connected()
        _ = state.receive(Self.target(.current))
        _ = state.receive(Self.change("a", 1))
        _ = state.receive(Self.change("b", 1))
        _ = try #require(Self.snapshot(state.receive(Self.consistent(token: "t1", at: 1))))
        guard case .restart = state.receive(.with { $0.filter = .with { $0.targetID = 1; $0.count = 1 } }) else {
            Issue.record("expected a restart")
            return
        }
        #expect(state.resumeToken == nil)
        #expect(state.connected() == nil)
        _ = state.receive(Self.change("a", 1))
        _ = state.receive(Self.target(.current))
        let rebuilt = try #require(Self.snapshot(state.receive(Self.consistent(token: "t2", at: 2))))
        #expect(rebuilt.removed == ["b"])
        #expect(rebuilt.changed.map(\.name) == ["a"])
    }

    @Test("a target removed with a permanent cause fails the listen; a transient one restarts it")
    func removedTarget() {
        var state = ListenState()
        _ = state.connected()
        var denied = Self.target(.remove)
        denied.targetChange.cause = .with { $0.code = 7 }
        guard case .fail(let error) = state.receive(denied) else {
            Issue.record("expected a failure")
            return
        }
        #expect(error.code == .permissionDenied)
        var unavailable = Self.target(.remove)
        unavailable.targetChange.cause = .with { $0.code = 14 }
        guard case .restart = state.receive(unavailable) else {
            Issue.record("expected a restart")
            return
        }
    }

    @Test("changes for other targets are ignored")
    func otherTargets() {
        var state = ListenState()
        _ = state.connected()
        _ = state.receive(Self.target(.current))
        _ = state.receive(Self.change("x", 1, target: 2))
        guard case .emit(let snapshot) = state.receive(Self.consistent(token: "t", at: 1)) else {
            Issue.record("expected the first snapshot")
            return
        }
        #expect(snapshot.changed.isEmpty)
    }

    @Test("a RESET followed by the whole target again (as the emulator sends after every change) hands out only what changed")
    func resetResendsEverything() throws {
        func change(_ name: String, updated: Int64) -> Google_Firestore_V1_ListenResponse {
            var response = Self.change(name, updated)
            response.documentChange.document.updateTime = .init(seconds: updated, nanos: 0)
            return response
        }
        var state = ListenState()
        _ = state.connected()
        _ = state.receive(Self.target(.current))
        _ = state.receive(change("a", updated: 1))
        _ = state.receive(change("b", updated: 1))
        _ = try #require(Self.snapshot(state.receive(Self.consistent(token: "t1", at: 1))))
        // b changes; the server resets the target and resends a, b and the new c.
        _ = state.receive(Self.target(.reset))
        _ = state.receive(change("a", updated: 1))
        _ = state.receive(change("b", updated: 2))
        _ = state.receive(change("c", updated: 2))
        _ = state.receive(Self.target(.current))
        let next = try #require(Self.snapshot(state.receive(Self.consistent(token: "t2", at: 2))))
        #expect(next.changed.map(\.name) == ["b", "c"])
        #expect(next.removed.isEmpty)
        // a is deleted: the resend lacks it.
        _ = state.receive(Self.target(.reset))
        _ = state.receive(change("b", updated: 2))
        _ = state.receive(change("c", updated: 2))
        _ = state.receive(Self.target(.current))
        let afterDelete = try #require(Self.snapshot(state.receive(Self.consistent(token: "t3", at: 3))))
        #expect(afterDelete.changed.isEmpty)
        #expect(afterDelete.removed == ["a"])
    }
}
