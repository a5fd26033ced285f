package import FlowStreamsWire
package import Foundation
package import SwiftProtobuf

/// The stream document of the default layout, decoded: state, lease and times of one stream.
package struct FirestoreStreamRecord: Sendable, Hashable {
    /// `running`, `succeeded` or `failed` (cancelled and lost streams are failed with that error).
    package struct Status: Hashable, Sendable, CustomStringConvertible {
        package let rawValue: String
        package static let running = Status(rawValue: "running")
        package static let succeeded = Status(rawValue: "succeeded")
        package static let failed = Status(rawValue: "failed")
        package var description: String { rawValue }
    }

    package var status: Status
    /// The flow's name, when the manager records it.
    package var flow: String?
    /// The principal the stream belongs to, or `nil` for a stream anyone with the id may read.
    package var owner: String?
    /// The instance that holds the lease (writes the stream).
    package var instance: String?
    /// How many chunks are stored (indices `0..<chunkCount`), in pages of the `pages` subcollection.
    package var chunkCount: Int
    /// When the writer's lease runs out unless renewed.
    package var leaseExpiresAt: Date?
    /// How the stream ended; `nil` while it runs.
    package var outcome: StreamOutcome?
    /// Set by the server (request time) when written through the layout.
    package var createdAt: Date?
    package var updatedAt: Date?
    package var finishedAt: Date?
    /// When a Firestore TTL policy on this field may delete the finished stream.
    package var expiresAt: Date?
    /// The document's update time when read: the precondition that fences the next write.
    package var updateTime: Google_Protobuf_Timestamp?

    package init(
        status: Status = .running, flow: String? = nil, owner: String? = nil, instance: String? = nil,
        chunkCount: Int = 0, leaseExpiresAt: Date? = nil, outcome: StreamOutcome? = nil
    ) {
        self.status = status
        self.flow = flow
        self.owner = owner
        self.instance = instance
        self.chunkCount = chunkCount
        self.leaseExpiresAt = leaseExpiresAt
        self.outcome = outcome
    }
}
