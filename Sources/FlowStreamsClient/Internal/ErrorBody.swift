import FlowStreamsWire

extension FlowClientError {
    /// The error described by an error object: `{"status":"<NAME>","message":"<text>","details":<json>}`,
    /// also nested as `{"error":{…}}` or given as `{"error":"<text>"}` (Genkit's JavaScript servers).
    ///
    /// - Returns: `nil` when `bytes` describe no error.
    static func fromErrorJSON(_ bytes: some Collection<UInt8>, httpStatus: Int?) -> FlowClientError? {
        guard let envelope = JSONEnvelope(bytes) else { return nil }
        if let nested = envelope["error"] {
            if let text = envelope.string("error") {
                return FlowClientError(code: .flowError, status: .unknown, message: text, httpStatus: httpStatus)
            }
            return fromErrorJSON(nested, httpStatus: httpStatus)
        }
        guard let name = envelope.string("status") else { return nil }
        let status = FlowStatus(name: name) ?? httpStatus.flatMap(Self.status(httpStatus:)) ?? .unknown
        var details = envelope.json("details")
        if details?.bytes == JSONBytes.null.bytes { details = nil }
        return FlowClientError(code: .flowError, status: status, message: envelope.string("message") ?? "",
                               details: details, httpStatus: httpStatus)
    }

    /// The error of a non-`200` answer: read from the body when it has one (Genkit's Python server answers
    /// `500` for every error, so the body decides), else the status the HTTP code stands for.
    static func fromHTTPAnswer(status code: Int, body: [UInt8]) -> FlowClientError {
        if let error = fromErrorJSON(body, httpStatus: code) { return error }
        return FlowClientError(code: .flowError, status: status(httpStatus: code) ?? .unknown,
                               message: "The server answered HTTP \(code).", httpStatus: code)
    }

    /// The status an HTTP code stands for (docs/PROTOCOL.md's table read backwards; ambiguous codes take the
    /// most common name).
    static func status(httpStatus code: Int) -> FlowStatus? {
        switch code {
        case 400: .invalidArgument
        case 401: .unauthenticated
        case 403: .permissionDenied
        case 404: .notFound
        case 409: .aborted
        case 413, 429: .resourceExhausted
        case 499: .cancelled
        case 500: .internal
        case 501: .unimplemented
        case 502, 503: .unavailable
        case 504: .deadlineExceeded
        default: nil
        }
    }

    /// Whether a resume may try again after this error: the connection failed, or the server is
    /// temporarily unable to answer (`502`, `503`, `504`). Every other answer is final.
    var allowsRetry: Bool {
        switch code {
        case .connectionFailed, .connectionLost: true
        case .flowError: httpStatus.map { [502, 503, 504].contains($0) } ?? false
        default: false
        }
    }
}
