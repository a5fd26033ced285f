package import FlowStreamsWire
import Foundation
import SwiftProtobuf

/// FlowStreams' own document layout, which scales past Firestore's 1 MiB document limit:
///
/// - a stream document `<collection>/<id>` with the fields `version` (1), `status`, `flow`,
///   `owner`, `instance`, `chunkCount`, `leaseExpiresAt`, `output` (the JSON bytes) or
///   `errorStatus` / `errorMessage` / `errorDetails`, `createdAt`, `updatedAt`, `finishedAt`
///   (server times) and `expiresAt` (for a TTL policy);
/// - the chunks in page documents `<collection>/<id>/pages/<first index, 10 digits>` with the
///   fields `first` (the index of the page's first chunk) and `chunks` (an array of the chunks'
///   JSON bytes as bytes values), each page holding at most `pageBytes` of chunk bytes (a larger
///   chunk gets a page of its own, up to what one document holds).
///
/// Pure functions from records and chunks to fields and back; the manager decides what to write when.
package struct FirestoreDefaultLayout: Sendable {
    /// The stream documents' collection (a top-level collection id, or a path `a/b/c`).
    package let collection: String
    /// The chunk bytes a page holds before the next page starts. Defaults to 256 KiB.
    package let pageBytes: Int

    package static let version: Int64 = 1
    package static let pagesCollection = "pages"

    package init(collection: String, pageBytes: Int = 256 * 1024) {
        self.collection = collection
        self.pageBytes = pageBytes
    }

    // MARK: - Paths

    /// `<collection>/<id>`.
    package func streamPath(_ id: StreamID) -> String { "\(collection)/\(id.rawValue)" }

    /// `<collection>/<id>/pages/<first, zero-padded to 10 digits>`: names sort in chunk order.
    package func pagePath(_ id: StreamID, first: Int) -> String {
        let digits = String(first)
        return "\(streamPath(id))/\(Self.pagesCollection)/\(String(repeating: "0", count: max(0, 10 - digits.count)))\(digits)"
    }

    // MARK: - Stream documents

    /// The fields of a stream document (the server-time fields are transforms, see `serverTimes`).
    package func streamFields(_ record: FirestoreStreamRecord) -> [String: Google_Firestore_V1_Value] {
        var fields: [String: Google_Firestore_V1_Value] = [
            "version": .integer(Self.version),
            "status": .string(record.status.rawValue),
            "chunkCount": .integer(Int64(record.chunkCount)),
            "flow": .optionalString(record.flow),
            "owner": .optionalString(record.owner),
            "instance": .optionalString(record.instance),
            "leaseExpiresAt": .optionalTimestamp(record.leaseExpiresAt),
            "expiresAt": .optionalTimestamp(record.expiresAt),
        ]
        switch record.outcome {
        case .success(let output)?:
            fields["output"] = .bytes(output.bytes)
        case .failure(let error)?:
            fields["errorStatus"] = .string(error.status.name)
            fields["errorMessage"] = .string(error.message)
            fields["errorDetails"] = error.details.map { .bytes($0.bytes) } ?? .null
        case nil:
            break
        }
        return fields
    }

    /// Every field a stream document may have: the mask that replaces all of them at once.
    package static let streamFieldNames = [
        "version", "status", "chunkCount", "flow", "owner", "instance", "leaseExpiresAt", "expiresAt",
        "output", "errorStatus", "errorMessage", "errorDetails",
    ]

    /// Creates the stream document; fails with `.alreadyExists` if the id is taken.
    package func openWrite(_ record: FirestoreStreamRecord, id: StreamID, in database: FirestoreDatabase) -> Google_Firestore_V1_Write {
        .set(
            database.documentName(streamPath(id)), fields: streamFields(record),
            serverTimestamps: ["createdAt", "updatedAt"], precondition: .exists(false))
    }

    /// Replaces the stream document's fields with `record`'s (setting `updatedAt`, and `finishedAt`
    /// when it has an outcome), only if the document is still at `record.updateTime` (else
    /// `.failedPrecondition`: someone else changed it).
    package func updateWrite(_ record: FirestoreStreamRecord, id: StreamID, in database: FirestoreDatabase) -> Google_Firestore_V1_Write {
        let precondition: Google_Firestore_V1_Precondition = record.updateTime.map { .updateTime($0) } ?? .exists(true)
        return .update(
            database.documentName(streamPath(id)), fields: streamFields(record), mask: Self.streamFieldNames,
            serverTimestamps: record.outcome == nil ? ["updatedAt"] : ["updatedAt", "finishedAt"],
            precondition: precondition)
    }

    /// The stream document decoded.
    /// - Throws: `FirestoreError` `.invalidDocument` when it lacks `status` or `chunkCount`.
    package func decodeStream(_ document: Google_Firestore_V1_Document) throws(FirestoreError) -> FirestoreStreamRecord {
        let fields = document.fields
        guard let status = fields["status"]?.stringValueIfSet, let count = fields["chunkCount"]?.integerValueIfSet, count >= 0 else {
            throw FirestoreError(code: .invalidDocument, reason: "A stream document lacks status or chunkCount.")
        }
        var record = FirestoreStreamRecord(
            status: FirestoreStreamRecord.Status(rawValue: status), flow: fields["flow"]?.stringValueIfSet,
            owner: fields["owner"]?.stringValueIfSet, instance: fields["instance"]?.stringValueIfSet,
            chunkCount: Int(count), leaseExpiresAt: fields["leaseExpiresAt"]?.dateIfSet)
        switch record.status {
        case .succeeded:
            record.outcome = .success(JSONBytes(unchecked: fields["output"]?.bytesIfSet ?? JSONBytes.null.bytes))
        case .failed:
            let flowStatus = fields["errorStatus"]?.stringValueIfSet.flatMap { FlowStatus(name: $0) } ?? .unknown
            record.outcome = .failure(FlowError(
                status: flowStatus, message: fields["errorMessage"]?.stringValueIfSet ?? "",
                details: fields["errorDetails"]?.bytesIfSet.map { JSONBytes(unchecked: $0) }))
        default:
            break
        }
        record.createdAt = fields["createdAt"]?.dateIfSet
        record.updatedAt = fields["updatedAt"]?.dateIfSet
        record.finishedAt = fields["finishedAt"]?.dateIfSet
        record.expiresAt = fields["expiresAt"]?.dateIfSet
        record.updateTime = document.hasUpdateTime ? document.updateTime : nil
        return record
    }
}
