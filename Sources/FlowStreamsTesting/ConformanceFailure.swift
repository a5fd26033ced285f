/// A conformance check that did not hold: what was expected, what happened, and where the check is.
public struct ConformanceFailure: Error, CustomStringConvertible {
    /// What went wrong.
    public var message: String
    /// The file of the failed expectation (`#fileID`).
    public var file: String
    /// The line of the failed expectation.
    public var line: Int

    public init(_ message: String, fileID: String = #fileID, line: Int = #line) {
        self.message = message
        self.file = fileID
        self.line = line
    }

    public var description: String { "\(file):\(line): \(message)" }
}
