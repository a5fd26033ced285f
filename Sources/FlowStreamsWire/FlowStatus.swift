/// The status name of a flow error, as it appears on the wire (`"status": "NOT_FOUND"`).
///
/// The names are Genkit's (the gRPC canonical codes). Only the HTTP layer knows which HTTP
/// status code each one maps to.
public struct FlowStatus: Hashable, Sendable, CustomStringConvertible {
    /// The wire name, for example `INVALID_ARGUMENT`.
    public let name: String

    private init(_ name: String) { self.name = name }

    public var description: String { name }

    public static let cancelled = FlowStatus("CANCELLED")
    public static let unknown = FlowStatus("UNKNOWN")
    public static let invalidArgument = FlowStatus("INVALID_ARGUMENT")
    public static let deadlineExceeded = FlowStatus("DEADLINE_EXCEEDED")
    public static let notFound = FlowStatus("NOT_FOUND")
    public static let alreadyExists = FlowStatus("ALREADY_EXISTS")
    public static let permissionDenied = FlowStatus("PERMISSION_DENIED")
    public static let resourceExhausted = FlowStatus("RESOURCE_EXHAUSTED")
    public static let failedPrecondition = FlowStatus("FAILED_PRECONDITION")
    public static let aborted = FlowStatus("ABORTED")
    public static let outOfRange = FlowStatus("OUT_OF_RANGE")
    public static let unimplemented = FlowStatus("UNIMPLEMENTED")
    public static let `internal` = FlowStatus("INTERNAL")
    public static let unavailable = FlowStatus("UNAVAILABLE")
    public static let dataLoss = FlowStatus("DATA_LOSS")
    public static let unauthenticated = FlowStatus("UNAUTHENTICATED")

    /// Every status, in the order of docs/PROTOCOL.md's table.
    public static let all: [FlowStatus] = [
        .cancelled, .unknown, .invalidArgument, .deadlineExceeded, .notFound, .alreadyExists,
        .permissionDenied, .resourceExhausted, .failedPrecondition, .aborted, .outOfRange,
        .unimplemented, .internal, .unavailable, .dataLoss, .unauthenticated,
    ]

    /// The status with this wire name, or `nil` for a name that is not one of the sixteen.
    public init?(name: String) {
        guard let status = FlowStatus.all.first(where: { $0.name == name }) else { return nil }
        self = status
    }
}
