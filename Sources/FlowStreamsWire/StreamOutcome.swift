/// How a stream ended.
public enum StreamOutcome: Sendable, Hashable {
    /// The flow returned this output.
    case success(JSONBytes)
    /// The flow failed, was cancelled, or its writer was lost.
    case failure(FlowError)
}
