/// A Firestore database by project and database id, and the resource names inside it.
///
/// ```swift
/// let database = try FirestoreDatabase(projectID: "demo")
/// database.documentName("streams/abc")  // projects/demo/databases/(default)/documents/streams/abc
/// ```
package struct FirestoreDatabase: Sendable, Hashable {
    /// The Google Cloud project id.
    package let projectID: String
    /// The database id; `(default)` for the default database.
    package let databaseID: String

    /// - Throws: `FirestoreError` `.invalidConfiguration` for an empty id or one with `/`.
    package init(projectID: String, databaseID: String = "(default)") throws(FirestoreError) {
        for id in [projectID, databaseID] where id.isEmpty || id.contains("/") {
            throw FirestoreError(code: .invalidConfiguration, reason: "A project or database id is empty or contains '/'.")
        }
        self.projectID = projectID
        self.databaseID = databaseID
    }

    /// `projects/P/databases/D`.
    package var name: String { "projects/\(projectID)/databases/\(databaseID)" }

    /// `projects/P/databases/D/documents`: the parent of top-level collections.
    package var documentsRoot: String { "\(name)/documents" }

    /// The resource name of a document given by its path (`collection/id[/collection/id...]`).
    package func documentName(_ path: String) -> String { "\(documentsRoot)/\(path)" }

    /// The path (`collection/id...`) of a document resource name of this database, or `nil`.
    package func documentPath(ofName name: String) -> String? {
        let prefix = documentsRoot + "/"
        guard name.hasPrefix(prefix) else { return nil }
        return String(name.dropFirst(prefix.count))
    }

    /// The value of the `x-goog-request-params` routing header Firestore expects for this database.
    var routingHeader: String {
        "project_id=\(Self.percentEncoded(projectID))&database_id=\(Self.percentEncoded(databaseID))"
    }

    private static func percentEncoded(_ string: String) -> String {
        var result = ""
        for byte in string.utf8 {
            let isUnreserved = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if isUnreserved {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
