/// Thrown by the test helpers when something did not happen within its time limit.
public struct TestTimeoutError: Error, CustomStringConvertible {
    /// What was being waited for ("response head", "line containing \"listening\"", ...).
    public var waitingFor: String
    /// The time limit that ran out.
    public var timeout: Duration
    /// Where the wait was started, when known (`File.swift:12`).
    public var location: String?

    /// Creates a timeout error.
    public init(waitingFor: String, timeout: Duration, location: String? = nil) {
        self.waitingFor = waitingFor
        self.timeout = timeout
        self.location = location
    }

    public var description: String {
        var text = "timed out after \(timeout) waiting for \(waitingFor)"
        if let location { text += " (\(location))" }
        return text
    }
}
