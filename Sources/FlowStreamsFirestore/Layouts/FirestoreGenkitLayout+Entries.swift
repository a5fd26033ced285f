import FlowStreamsWire

extension FirestoreGenkitLayout {
    /// Values sit two levels down (`stream[i].chunk`): what is left of Firestore's 20 levels.
    static let valueDepth = FirestoreJSON.maximumDepth - 2

    func encode(_ entry: Entry, uuid: () -> String) throws(FirestoreError) -> Google_Firestore_V1_Value {
        switch entry {
        case .chunk(let chunk):
            return .map(["type": .string("chunk"), "chunk": try FirestoreJSON.value(from: chunk, maximumDepth: Self.valueDepth), "uuid": .string(uuid())])
        case .done(let output):
            return .map(["type": .string("done"), "output": try FirestoreJSON.value(from: output, maximumDepth: Self.valueDepth)])
        case .error(let error):
            // Genkit stores `{message, stack, ...err}` of the thrown error; a GenkitError's own fields
            // are `status`, `detail` and `originalMessage`, its `message` is "STATUS: message".
            var err: [String: Google_Firestore_V1_Value] = [
                "message": .string("\(error.status.name): \(error.message)"),
                "originalMessage": .string(error.message),
                "status": .string(error.status.name),
            ]
            if let details = error.details {
                err["detail"] = try FirestoreJSON.value(from: details, maximumDepth: Self.valueDepth - 1)
            }
            return .map(["type": .string("error"), "err": .map(err)])
        }
    }

    func decodeEntry(_ value: Google_Firestore_V1_Value) throws(FirestoreError) -> Entry? {
        guard let fields = value.mapFieldsIfSet, let type = fields["type"]?.stringValueIfSet else { return nil }
        switch type {
        case "chunk":
            return .chunk(try FirestoreJSON.json(from: fields["chunk"] ?? .null))
        case "done":
            return .done(output: try FirestoreJSON.json(from: fields["output"] ?? .null))
        case "error":
            return .error(try decodeError(fields["err"]?.mapFieldsIfSet ?? [:]))
        default:
            return nil
        }
    }

    /// An error entry as the caller sees it: a GenkitError's status, message and detail; an error
    /// without a valid status (a plain JavaScript `Error`) is `INTERNAL "Internal Error"`, as on the
    /// wire, its text not shown.
    private func decodeError(_ err: [String: Google_Firestore_V1_Value]) throws(FirestoreError) -> FlowError {
        guard let name = err["status"]?.stringValueIfSet, let status = FlowStatus(name: name) else {
            return .internalError
        }
        let message = err["originalMessage"]?.stringValueIfSet ?? err["message"]?.stringValueIfSet ?? ""
        var details: JSONBytes?
        if let detail = err["detail"] ?? err["details"], detail.valueType != .nullValue(.nullValue) {
            details = try FirestoreJSON.json(from: detail)
        }
        return FlowError(status: status, message: message, details: details)
    }
}
