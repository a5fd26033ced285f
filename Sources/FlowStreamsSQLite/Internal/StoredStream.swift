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
            outcome: Terminal.outcome(status: row[2], output: row[4], errorStatus: row[5], errorMessage: row[6], errorDetails: row[7]))
    }
}

/// How an outcome is spread over the `streams` columns.
struct Terminal {
    var status: String
    var output: Data?
    var errorStatus: String?
    var errorMessage: String?
    var errorDetails: Data?

    init(_ outcome: StreamOutcome) {
        switch outcome {
        case .success(let output):
            status = "succeeded"
            self.output = Data(output.bytes)
        case .failure(let error):
            status = "failed"
            errorStatus = error.status.name
            errorMessage = error.message
            errorDetails = error.details.map { Data($0.bytes) }
        }
    }

    /// The outcome the columns hold; `nil` for a running stream.
    static func outcome(status: String, output: Data?, errorStatus: String?, errorMessage: String?, errorDetails: Data?) -> StreamOutcome? {
        switch status {
        case "succeeded":
            return .success(JSONBytes(unchecked: Array(output ?? Data("null".utf8))))
        case "failed":
            let status = errorStatus.flatMap { FlowStatus(name: $0) } ?? .unknown
            return .failure(FlowError(status: status, message: errorMessage ?? "", details: errorDetails.map { JSONBytes(unchecked: Array($0)) }))
        default:
            return nil
        }
    }
}
