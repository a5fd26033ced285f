import Foundation
package import SwiftProtobuf

/// What a Listen stream watches: named documents, or the results of a query.
package struct FirestoreListenTarget: Sendable {
    enum Kind: Sendable {
        case documents([String])
        case query(parent: String, Google_Firestore_V1_StructuredQuery)
    }

    let kind: Kind

    /// These documents (resource names), whether or not they exist yet.
    package static func documents(_ names: [String]) -> FirestoreListenTarget {
        FirestoreListenTarget(kind: .documents(names))
    }

    /// The documents `query` selects under `parent` (a resource name: the database's documents root
    /// or a document whose subcollections are queried).
    package static func query(_ query: Google_Firestore_V1_StructuredQuery, parent: String) -> FirestoreListenTarget {
        FirestoreListenTarget(kind: .query(parent: parent, query))
    }

    /// The Listen target message, resuming after `resumeToken` when given.
    func message(targetID: Int32, resumeToken: [UInt8]?) -> Google_Firestore_V1_Target {
        var target = Google_Firestore_V1_Target()
        target.targetID = targetID
        switch kind {
        case .documents(let names):
            target.documents = .with { $0.documents = names }
        case .query(let parent, let query):
            target.query = .with {
                $0.parent = parent
                $0.structuredQuery = query
            }
        }
        if let resumeToken { target.resumeToken = Data(resumeToken) }
        return target
    }
}

/// What changed in a Listen target between two consistent snapshots of the database.
package struct FirestoreListenSnapshot: Sendable {
    /// Documents added or changed (their whole new state), in the order the server sent them.
    package var changed: [Google_Firestore_V1_Document]
    /// Names of documents deleted or no longer matching the target.
    package var removed: [String]
    /// The database time the snapshot is consistent at.
    package var readTime: Google_Protobuf_Timestamp
    /// Which Listen stream delivered it: 1 for the first, 2 after the first reconnect, and so on.
    /// A reconnect resumes where the last snapshot left off, so nothing is missed or repeated.
    package var connection: Int
}
