import FlowStreams

/// The flow every conformance stream belongs to.
let conformanceScope = StreamScope(flow: "conformance")

/// How long any one step of a check (an open, a write, reading a whole stream) may take.
let stepLimit: Duration = .seconds(10)

/// Chunk `index` of a conformance stream: `{"n":index}`, so every chunk is told apart by its bytes.
func chunk(_ index: Int) -> JSONBytes {
    JSONBytes(unchecked: Array("{\"n\":\(index)}".utf8))
}

/// The chunks with these indices.
func chunks(_ indices: Range<Int>) -> [JSONBytes] {
    indices.map(chunk)
}

/// A JSON string value.
func json(_ text: String) -> JSONBytes {
    JSONBytes(unchecked: Array("\"\(text)\"".utf8))
}

/// What a reader starting at `indices.lowerBound` of a stream of `indices.upperBound` chunks must see.
func expectedEvents(_ indices: Range<Int>, then outcome: StreamOutcome) -> [StreamEvent] {
    indices.map { StreamEvent.chunk(index: $0, chunk($0)) } + [.finished(index: indices.upperBound, outcome)]
}

// MARK: - Expectations

func expect(_ condition: Bool, _ message: @autoclosure () -> String, fileID: String = #fileID, line: Int = #line) throws {
    guard condition else { throw ConformanceFailure(message(), fileID: fileID, line: line) }
}

/// Fails unless `actual` equals `expected` exactly (indices, bytes, outcomes), naming the first difference.
func expectEvents(
    _ actual: [StreamEvent], _ expected: [StreamEvent], _ what: String, fileID: String = #fileID, line: Int = #line
) throws {
    guard actual != expected else { return }
    let position = zip(actual, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        ?? min(actual.count, expected.count)
    let got = position < actual.count ? render(actual[position]) : "the end"
    let wanted = position < expected.count ? render(expected[position]) : "the end"
    throw ConformanceFailure(
        "\(what): expected \(expected.count) events, got \(actual.count); at position \(position) expected \(wanted), got \(got)",
        fileID: fileID, line: line)
}

/// Runs `operation` (with a time limit) and fails unless it throws a `StreamManagerError` with `code`.
func expectError(
    _ code: StreamManagerError.Code, _ what: String, fileID: String = #fileID, line: Int = #line,
    _ operation: @escaping @Sendable () async throws -> Void
) async throws {
    let thrown: (any Error)? = try await withTimeout(stepLimit, what, fileID: fileID, line: line) {
        do {
            try await operation()
            return nil
        } catch {
            return error
        }
    }
    guard let thrown else {
        throw ConformanceFailure("\(what): succeeded, expected \(code)", fileID: fileID, line: line)
    }
    guard let error = thrown as? StreamManagerError else {
        throw ConformanceFailure("\(what): threw \(type(of: thrown)) \(thrown), expected StreamManagerError \(code)", fileID: fileID, line: line)
    }
    try expect(error.code == code, "\(what): threw \(error.code), expected \(code)", fileID: fileID, line: line)
}

// MARK: - Rendering

func render(_ event: StreamEvent) -> String {
    switch event {
    case .chunk(let index, let bytes): return "chunk \(index) \(render(bytes))"
    case .finished(let index, let outcome): return "finished \(index) \(render(outcome))"
    }
}

func render(_ outcome: StreamOutcome) -> String {
    switch outcome {
    case .success(let output): return "success \(render(output))"
    case .failure(let error):
        return "failure \(error.status) \"\(error.message)\"" + (error.details.map { " details \(render($0))" } ?? "")
    }
}

/// The bytes as text, shortened: conformance payloads are the suite's own, never user data.
func render(_ bytes: JSONBytes) -> String {
    let text = String(decoding: bytes.bytes.prefix(80), as: UTF8.self)
    return bytes.count > 80 ? text + "…" : text
}
