package import Foundation
import GRPCCore

extension FirestoreClient {
    /// The documents `query` selects, in its order.
    /// - Parameters:
    ///   - parent: The resource name under which the query's collections are; defaults to the
    ///     database's documents root (top-level collections).
    ///   - transaction: Reads inside this transaction.
    /// - Throws: `FirestoreError` (`.invalidArgument` for a query Firestore refuses, `.unavailable`, ...).
    package func runQuery(
        _ query: Google_Firestore_V1_StructuredQuery, parent: String? = nil, transaction: Data? = nil
    ) async throws(FirestoreError) -> [Google_Firestore_V1_Document] {
        var request = Google_Firestore_V1_RunQueryRequest()
        request.parent = parent ?? database.documentsRoot
        request.structuredQuery = query
        if let transaction { request.transaction = transaction }
        let options = callOptions
        return try await call("RunQuery") {
            try await stub.runQuery(request, options: options) { response in
                var documents: [Google_Firestore_V1_Document] = []
                for try await message in response.messages where message.hasDocument {
                    documents.append(message.document)
                }
                return documents
            }
        }
    }
}

extension Google_Firestore_V1_StructuredQuery {
    /// The documents of the collection `collectionID` directly under the query's parent.
    package static func collection(_ collectionID: String) -> Self {
        .with { $0.from = [.with { $0.collectionID = collectionID }] }
    }

    /// Only documents whose `field` compares to `value` by `op`; several filters are combined with AND.
    package func filter(
        _ field: String, _ op: Google_Firestore_V1_StructuredQuery.FieldFilter.Operator, _ value: Google_Firestore_V1_Value
    ) -> Self {
        var query = self
        let added = Google_Firestore_V1_StructuredQuery.Filter.with {
            $0.fieldFilter = .with {
                $0.field = .with { $0.fieldPath = field }
                $0.op = op
                $0.value = value
            }
        }
        switch query.where.filterType {
        case nil:
            query.where = added
        case .compositeFilter(var composite) where composite.op == .and:
            composite.filters.append(added)
            query.where.compositeFilter = composite
        default:
            let existing = query.where
            query.where = .with {
                $0.compositeFilter = .with {
                    $0.op = .and
                    $0.filters = [existing, added]
                }
            }
        }
        return query
    }

    /// Results ordered by `field` (after any earlier orders).
    package func order(by field: String, descending: Bool = false) -> Self {
        var query = self
        query.orderBy.append(.with {
            $0.field = .with { $0.fieldPath = field }
            $0.direction = descending ? .descending : .ascending
        })
        return query
    }

    /// At most `count` results.
    package func limit(_ count: Int32) -> Self {
        var query = self
        query.limit = .with { $0.value = count }
        return query
    }
}
