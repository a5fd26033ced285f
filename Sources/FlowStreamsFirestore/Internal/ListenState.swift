import SwiftProtobuf

/// The client side of one Listen target across reconnects: it gathers the changes the server sends
/// and hands them out at each consistent snapshot, keeps the resume token of the last snapshot
/// handed out (a reconnect resumes from there), and notices when the server's view and ours differ.
///
/// It remembers the update time of each document it handed out, and hands a document out again
/// only when that time changed: when the server resends a whole target (after a `RESET`, a fresh
/// start, or, on the emulator, after every change), only what really changed comes out, and what
/// was not resent is reported removed. A plain state machine: no I/O, tested on its own.
package struct ListenState: Sendable {
    /// What the caller does after a response.
    package enum Action: Sendable {
        case none
        /// Hand out this snapshot.
        case emit(FirestoreListenSnapshot)
        /// End this stream and listen again (from the resume token, or afresh if it was dropped).
        case restart
        /// End the Listen with this error.
        case fail(FirestoreError)
    }

    package let targetID: Int32
    /// The resume token of the last snapshot handed out; `nil` before the first or after the server
    /// said our view is off.
    package private(set) var resumeToken: [UInt8]?
    /// How many streams have been started (1 for the first).
    package private(set) var connection = 0

    /// Names matching the target as of the last snapshot handed out, with their update times.
    private var known: [String: Google_Protobuf_Timestamp] = [:]
    private var changedOrder: [String] = []
    private var changed: [String: Google_Firestore_V1_Document] = [:]
    private var removed: [String] = []
    private var pendingToken: [UInt8]?
    private var current = false
    private var lastEmittedConnection = 0
    /// After a fresh start or a reset the server resends the whole state: names not resent were removed.
    private var rebuilding = false
    private var seenWhileRebuilding: Set<String> = []

    package init(targetID: Int32 = 1) {
        self.targetID = targetID
    }

    /// A new stream starts: what was gathered and not handed out is dropped (the resume token brings
    /// it again). Returns the token to resume from.
    package mutating func connected() -> [UInt8]? {
        connection += 1
        clearPending()
        current = false
        rebuilding = resumeToken == nil && !known.isEmpty
        seenWhileRebuilding = []
        return resumeToken
    }

    package mutating func receive(_ response: Google_Firestore_V1_ListenResponse) -> Action {
        switch response.responseType {
        case .targetChange(let change): return receive(change)
        case .documentChange(let change):
            if change.targetIds.contains(targetID) {
                noteChanged(change.document)
            } else if change.removedTargetIds.contains(targetID) {
                noteRemoved(change.document.name)
            }
        case .documentDelete(let delete):
            noteRemoved(delete.document)
        case .documentRemove(let remove):
            noteRemoved(remove.document)
        case .filter(let filter):
            guard filter.targetID == targetID else { return .none }
            if Int(filter.count) != matchingCount {
                resumeToken = nil  // Our view is off: listen afresh and rebuild it.
                return .restart
            }
        case nil:
            break
        }
        return .none
    }

    private mutating func receive(_ change: Google_Firestore_V1_TargetChange) -> Action {
        let concernsUs = change.targetIds.isEmpty || change.targetIds.contains(targetID)
        guard concernsUs else { return .none }
        switch change.targetChangeType {
        case .remove:
            if change.hasCause, !FirestoreError(cause: change.cause).isTransient {
                return .fail(FirestoreError(cause: change.cause))
            }
            return .restart
        case .reset:
            clearPending()
            current = false
            rebuilding = true
            seenWhileRebuilding = []
        case .current:
            current = true
        case .add, .noChange, .UNRECOGNIZED(_):
            break
        }
        if !change.resumeToken.isEmpty { pendingToken = Array(change.resumeToken) }
        // A consistent snapshot of the whole stream: target ids empty and a read time.
        guard change.targetIds.isEmpty, change.hasReadTime, current else { return .none }
        let next = snapshot(readTime: change.readTime)
        // Hand out what changed, and the first snapshot of each stream (the target is current).
        guard !next.changed.isEmpty || !next.removed.isEmpty || next.connection != lastEmittedConnection else { return .none }
        lastEmittedConnection = next.connection
        return .emit(next)
    }

    // MARK: - Gathering

    private var matchingCount: Int {
        var names = Set(known.keys)
        names.formUnion(changedOrder)
        names.subtract(removed)
        if rebuilding { names.formIntersection(seenWhileRebuilding) }
        return names.count
    }

    private mutating func noteChanged(_ document: Google_Firestore_V1_Document) {
        if changed.updateValue(document, forKey: document.name) == nil { changedOrder.append(document.name) }
        removed.removeAll { $0 == document.name }
        if rebuilding { seenWhileRebuilding.insert(document.name) }
    }

    private mutating func noteRemoved(_ name: String) {
        if changed.removeValue(forKey: name) != nil { changedOrder.removeAll { $0 == name } }
        if !removed.contains(name) { removed.append(name) }
        seenWhileRebuilding.remove(name)
    }

    private mutating func snapshot(readTime: Google_Protobuf_Timestamp) -> FirestoreListenSnapshot {
        let changedNow = changedOrder.compactMap { changed[$0] }.filter { document in
            !document.hasUpdateTime || known[document.name] != document.updateTime
        }
        var removedNow = removed.filter { known[$0] != nil }
        if rebuilding {
            removedNow += known.keys.filter { !seenWhileRebuilding.contains($0) && !removedNow.contains($0) }.sorted()
        }
        for name in removedNow { known[name] = nil }
        for document in changedNow { known[document.name] = document.updateTime }
        let snapshot = FirestoreListenSnapshot(changed: changedNow, removed: removedNow, readTime: readTime, connection: connection)
        if let pendingToken { resumeToken = pendingToken }
        clearPending()
        rebuilding = false
        seenWhileRebuilding = []
        return snapshot
    }

    private mutating func clearPending() {
        changedOrder = []
        changed = [:]
        removed = []
        pendingToken = nil
    }
}
