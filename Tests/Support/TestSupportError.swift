/// A failure reported by a test helper (connection closed early, process not found, bad response, ...).
///
/// The description is meant to be read in a test failure message.
public struct TestSupportError: Error, CustomStringConvertible {
    /// What went wrong, in one sentence.
    public var message: String

    /// Creates an error with a message.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
