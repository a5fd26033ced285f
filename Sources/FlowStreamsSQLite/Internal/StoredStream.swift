import FlowStreams
import Foundation
import GRDB

/// A stream's row, as readers and cancels need it.
struct StoredStream: Sendable {
    var flow: String
    var owner: String?
    var chunkCount: Int
    /// The terminal outcome; `nil` while the stream runs.
    var outcome: StreamOutcome?

    var lifecycle: StreamLifecycle {
        guard let outcome else { return StreamLifecycle(chunkCount: chunkCount) }
        return StreamLifecycle(state: .finished(chunkCount: chunkCount, outcome))
    }

    static func fetch(_ db: Database, id: StreamID) throws -> StoredStream? {
        let statement = try db.cachedStatement(sql: """
            SELECT flow, owner, status, chunk_count, output, error_status, error_message, error_details
            FROM streams WHERE id = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [id.rawValue]) else { return nil }
        return StoredStream(
            flow: row[0], owner: row[1], chunkCount: row[3],
            outcome: StoredOutcome.outcome(
                status: row[2], output: (row[4] as Data?).map { Array($0) }, errorStatus: row[5], errorMessage: row[6],
                errorDetails: (row[7] as Data?).map { Array($0) }))
    }
}
