import HTTPTypes

extension FlowHandler {
    // MARK: POST

    func run(_ request: HTTPRequest, body: [UInt8], remoteAddress: String?) async throws -> FlowHTTPResponse {
        let query = QueryParameters(path: request.path ?? "")
        let streamParameter = query["stream"]
        if let streamParameter, streamParameter != "true", streamParameter != "false" {
            throw FlowError(status: .invalidArgument, message: "Query parameter stream must be true or false.")
        }
        let accept = request.headerFields[values: .accept].joined(separator: ",")
        let streaming = accept.contains("text/event-stream") || streamParameter == "true"
        let resumeID = streaming && options.streamManager != nil ? request.headerFields[.genkitStreamID] : nil
        // A resume names its stream in a header, which no cross-site "simple" request can carry, and
        // its input is ignored: it may come without a body. Everything else must say it is JSON.
        let input: JSONBytes?
        if resumeID != nil && body.isEmpty {
            input = nil
        } else {
            guard Self.isJSON(request.headerFields[.contentType]) else { return Self.unsupportedMediaType }
            input = try RequestBody.input(from: body)
        }
        let caller = try await callerContext(request, input: input)
        let optedIn = options.extensionsEnabled && request.headerFields[.flowStreamsSSE] == "1"
        if let resumeID, let manager = options.streamManager {
            return try await resume(resumeID, request: request, caller: caller, manager: manager, optedIn: optedIn)
        }
        guard let input else { throw FlowError(status: .invalidArgument, message: "Request body is not valid JSON.") }
        guard streaming else { return try await runToEnd(input: input, caller: caller) }
        let client = clientAddress(request, remoteAddress: remoteAddress)
        guard let manager = options.streamManager, let runner = options.runner else {
            return try plainStream(input: input, caller: caller, client: client, optedIn: optedIn)
        }
        return try await startDurable(
            input: input, caller: caller, client: client, manager: manager, runner: runner, optedIn: optedIn)
    }

    private func runToEnd(input: JSONBytes, caller: CallerContext) async throws -> FlowHTTPResponse {
        let run = try flow.prepare(input: input)
        let outcome = await FlowExecution.run(run, caller: caller, limits: limits, stop: { nil }, logger: logger) { _ in }
        switch outcome {
        case .success(let output):
            let headers: HTTPFields = [
                .contentType: "application/json",
                .genkitTraceID: Self.randomHex(bytes: 16),
                .genkitSpanID: Self.randomHex(bytes: 8),
            ]
            return FlowHTTPResponse(status: .ok, headers: headers, body: .bytes(SSEEncoder.resultBody(output)))
        case .failure(let error):
            return .error(error)
        }
    }

    private func startDurable(
        input: JSONBytes, caller: CallerContext, client: String?, manager: any StreamManager, runner: FlowRunner,
        optedIn: Bool
    ) async throws -> FlowHTTPResponse {
        let run = try flow.prepare(input: input)
        let id = StreamID.random()
        let ticket = try runner.admit(principal: caller.principal, client: client)
        let writer: any StreamWriter
        do {
            writer = try await manager.open(id, in: scope(caller))
        } catch {
            runner.release(ticket)
            throw error
        }
        do {
            try runner.start(.init(run: run, caller: caller, writer: writer, id: id, ticket: ticket))
        } catch {
            runner.release(ticket)
            try? await writer.finish(.failure(error))
            throw error
        }
        logger.debug("durable stream started", metadata: ["flowstreams.stream.id": "\(id)"])
        let events = try await manager.subscribe(id, after: nil, in: scope(caller))
        return sseResponse(events, id: id, offset: nil, optedIn: optedIn)
    }

    // MARK: Who is asking, in what format

    /// The address naming the caller for the per-client limit: the last entry of the trusted proxy's
    /// header when one is configured and present, else the connection's remote address.
    func clientAddress(_ request: HTTPRequest, remoteAddress: String?) -> String? {
        guard let headerName = options.clientAddressHeader.flatMap({ HTTPField.Name($0) }),
              let forwarded = request.headerFields[values: headerName].last,
              let entry = forwarded.split(separator: ",").last.map({ String($0).trimmingASCIISpaces() }),
              !entry.isEmpty
        else { return remoteAddress }
        return String(entry)
    }

    /// Whether a `Content-Type` names JSON: `application/json` or a `+json` type, any parameters.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = String(contentType.split(separator: ";", maxSplits: 1).first ?? "")
            .trimmingASCIISpaces().lowercased()
        return mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json"))
    }

    /// `415` for a flow POST whose body is not declared JSON (a form or `text/plain` body is what a
    /// page of another site can send without asking first).
    static let unsupportedMediaType = FlowHTTPResponse.error(
        FlowError(status: .invalidArgument, message: "Content-Type must be application/json."),
        status: .unsupportedMediaType)

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }
}

extension String {
    func trimmingASCIISpaces() -> Substring {
        var text = self[...]
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }

    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
