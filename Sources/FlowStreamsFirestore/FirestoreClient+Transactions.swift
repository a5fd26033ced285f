package import Foundation
import GRPCCore

/// A read-write transaction in progress: reads see one consistent state, and the writes the body
/// returns commit only if nothing it read changed meanwhile.
package struct FirestoreTransaction: Sendable {
    /// The transaction id.
    package let id: Data
    let client: FirestoreClient

    /// The document named `name` as of this transaction, or `nil`.
    package func get(_ name: String) async throws(FirestoreError) -> Google_Firestore_V1_Document? {
        try await client.get(name, transaction: id)
    }

    /// The documents among `names` that exist, as of this transaction.
    package func batchGet(_ names: [String]) async throws(FirestoreError) -> [String: Google_Firestore_V1_Document] {
        try await client.batchGet(names, transaction: id)
    }

    /// The documents `query` selects, as of this transaction.
    package func runQuery(_ query: Google_Firestore_V1_StructuredQuery, parent: String? = nil) async throws(FirestoreError) -> [Google_Firestore_V1_Document] {
        try await client.runQuery(query, parent: parent, transaction: id)
    }
}

extension FirestoreClient {
    /// Starts a transaction.
    /// - Parameter retrying: The id of a transaction that was aborted and is tried again.
    /// - Throws: `FirestoreError`.
    package func beginTransaction(readOnly: Bool = false, retrying: Data? = nil) async throws(FirestoreError) -> Data {
        var request = Google_Firestore_V1_BeginTransactionRequest()
        request.database = database.name
        if readOnly {
            request.options.readOnly = .init()
        } else {
            request.options.readWrite = .with { if let retrying { $0.retryTransaction = retrying } }
        }
        let options = callOptions
        return try await call("BeginTransaction") {
            try await stub.beginTransaction(request, options: options).transaction
        }
    }

    /// Gives up a transaction (its locks are released).
    package func rollback(_ transaction: Data) async throws(FirestoreError) {
        var request = Google_Firestore_V1_RollbackRequest()
        request.database = database.name
        request.transaction = transaction
        let options = callOptions
        _ = try await call("Rollback") {
            try await stub.rollback(request, options: options)
        }
    }

    /// Runs `body` in a read-write transaction and commits the writes it returns. When the commit
    /// is aborted by a conflicting transaction, `body` runs again after `transactionBackoff` (up to
    /// `maximumAttempts` times in all); when `body` throws, the transaction is rolled back and the error rethrown.
    /// - Returns: What `body` returned, once its writes are committed.
    /// - Throws: What `body` throws; `FirestoreError` (`.aborted` after the last attempt,
    ///   `.failedPrecondition`, `.unavailable`, ...).
    package func transaction<T: Sendable>(
        maximumAttempts: Int = 5,
        _ body: (FirestoreTransaction) async throws -> (result: T, writes: [Google_Firestore_V1_Write])
    ) async throws -> T {
        var retrying: Data?
        var attempt = 0
        while true {
            attempt += 1
            let id = try await beginTransaction(retrying: retrying)
            let outcome = try await runBody(body, transaction: id)
            do {
                try await commit(outcome.writes, transaction: id)
                return outcome.result
            } catch {
                guard error.code == .aborted, attempt < maximumAttempts else { throw error }
                logger.debug("Firestore transaction aborted; trying again", metadata: ["firestore.attempt": "\(attempt)"])
                retrying = id
                try await Task.sleep(for: configuration.transactionBackoff.delay(attempt: attempt))
            }
        }
    }

    /// Runs a transaction's body; rolls the transaction back when it throws.
    private func runBody<T: Sendable>(
        _ body: (FirestoreTransaction) async throws -> (result: T, writes: [Google_Firestore_V1_Write]), transaction id: Data
    ) async throws -> (result: T, writes: [Google_Firestore_V1_Write]) {
        do {
            return try await body(FirestoreTransaction(id: id, client: self))
        } catch {
            try? await rollback(id)
            throw error
        }
    }
}
