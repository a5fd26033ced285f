import FlowStreams
import NIOCore
import PostgresNIO

extension StoredStream {
    /// Decodes `flow, owner, status, chunk_count, output, error_status, error_message, error_details`
    /// starting at column `offset`.
    init(_ row: PostgresRow, offset: Int = 0) throws {
        let cells = row.makeRandomAccess()
        func bytes(_ column: Int) throws -> [UInt8]? {
            guard var buffer = try cells[offset + column].decode(ByteBuffer?.self) else { return nil }
            return buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        self.init(
            flow: try cells[offset].decode(String.self),
            owner: try cells[offset + 1].decode(String?.self),
            chunkCount: try cells[offset + 3].decode(Int.self),
            outcome: StoredOutcome.outcome(
                status: try cells[offset + 2].decode(String.self), output: try bytes(4),
                errorStatus: try cells[offset + 5].decode(String?.self), errorMessage: try cells[offset + 6].decode(String?.self),
                errorDetails: try bytes(7)))
    }
}
