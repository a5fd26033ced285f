/// How a durable manager spreads a stream's outcome over database columns: a status (`running`,
/// `succeeded`, `failed`), the output's JSON bytes, or the error's status name, message and details.
package struct StoredOutcome: Sendable, Hashable {
    package var status: String
    package var output: [UInt8]?
    package var errorStatus: String?
    package var errorMessage: String?
    package var errorDetails: [UInt8]?

    package init(_ outcome: StreamOutcome) {
        switch outcome {
        case .success(let output):
            status = "succeeded"
            self.output = output.bytes
        case .failure(let error):
            status = "failed"
            errorStatus = error.status.name
            errorMessage = error.message
            errorDetails = error.details.map(\.bytes)
        }
    }

    /// The outcome the columns hold; `nil` for a running stream.
    package static func outcome(
        status: String, output: [UInt8]?, errorStatus: String?, errorMessage: String?, errorDetails: [UInt8]?
    ) -> StreamOutcome? {
        switch status {
        case "succeeded":
            return .success(JSONBytes(unchecked: output ?? Array("null".utf8)))
        case "failed":
            let status = errorStatus.flatMap { FlowStatus(name: $0) } ?? .unknown
            return .failure(FlowError(status: status, message: errorMessage ?? "", details: errorDetails.map { JSONBytes(unchecked: $0) }))
        default:
            return nil
        }
    }
}
