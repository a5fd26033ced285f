/// The answer to a cancel.
public enum CancelResult: Sendable, Hashable {
    /// The stream was running and is now cancelled.
    case cancelled
    /// The stream had already finished; nothing changed.
    case alreadyFinished
}
