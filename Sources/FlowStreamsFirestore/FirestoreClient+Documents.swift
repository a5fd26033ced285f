package import Foundation
import GRPCCore

extension FirestoreClient {
    /// The document named `name`, or `nil` when it does not exist.
    /// - Parameter transaction: Reads inside this transaction.
    /// - Throws: `FirestoreError` (`.unavailable`, `.deadlineExceeded`, `.permissionDenied`, ...).
    package func get(_ name: String, transaction: Data? = nil) async throws(FirestoreError) -> Google_Firestore_V1_Document? {
        let documents = try await batchGet([name], transaction: transaction)
        return documents[name]
    }

    /// The documents among `names` that exist, by name (the missing ones are absent).
    /// - Parameter transaction: Reads inside this transaction.
    /// - Throws: `FirestoreError`.
    package func batchGet(_ names: [String], transaction: Data? = nil) async throws(FirestoreError) -> [String: Google_Firestore_V1_Document] {
        guard !names.isEmpty else { return [:] }
        var request = Google_Firestore_V1_BatchGetDocumentsRequest()
        request.database = database.name
        request.documents = names
        if let transaction { request.transaction = transaction }
        let options = callOptions
        return try await call("BatchGetDocuments") {
            try await stub.batchGetDocuments(request, options: options) { response in
                var found: [String: Google_Firestore_V1_Document] = [:]
                for try await message in response.messages {
                    if case .found(let document) = message.result { found[document.name] = document }
                }
                return found
            }
        }
    }

    /// Applies `writes` atomically, in order; with `transaction`, commits that transaction.
    ///
    /// A write whose document would exceed Firestore's 1 MiB limit is refused before anything is
    /// sent. When a precondition fails, nothing is written.
    /// - Returns: The commit time and one result (update time, transform results) per write.
    /// - Throws: `FirestoreError` `.documentTooLarge`; `.failedPrecondition` (a precondition did not
    ///   hold), `.notFound` (an update of a missing document without a precondition), `.aborted`
    ///   (the transaction conflicted), `.invalidArgument`, `.unavailable`, ...
    @discardableResult
    package func commit(
        _ writes: [Google_Firestore_V1_Write], transaction: Data? = nil
    ) async throws(FirestoreError) -> Google_Firestore_V1_CommitResponse {
        for write in writes { try Self.checkSize(write) }
        var request = Google_Firestore_V1_CommitRequest()
        request.database = database.name
        request.writes = writes
        if let transaction { request.transaction = transaction }
        let options = callOptions
        return try await call("Commit") {
            try await stub.commit(request, options: options)
        }
    }

    /// Refuses a write whose document is known to exceed the limits: a string or bytes value over
    /// 1 MiB - 89 bytes; the whole document for a write without a mask, the written fields for a
    /// masked one (the rest is on the server, which refuses a document that grows too large with
    /// `.invalidArgument`).
    static func checkSize(_ write: Google_Firestore_V1_Write) throws(FirestoreError) {
        guard case .update(let document) = write.operation else { return }
        let timestamps = write.updateTransforms.compactMap { transform in
            transform.setToServerValue == .requestTime ? transform.fieldPath : nil
        }
        let size = FirestoreDocumentSize.ofDocument(name: document.name, fields: document.fields, serverTimestamps: timestamps)
        if FirestoreDocumentSize.hasOversizedValue(document.fields) {
            throw FirestoreError(
                code: .documentTooLarge,
                reason: "A string or bytes value exceeds Firestore's limit of \(FirestoreDocumentSize.maximumValueBytes) bytes.")
        }
        if size > FirestoreDocumentSize.maximum {
            throw FirestoreError(
                code: .documentTooLarge,
                reason: "A document of \(size) bytes exceeds Firestore's limit of \(FirestoreDocumentSize.maximum) bytes.")
        }
    }
}
