import FlowStreams

extension StreamManagerConformance {
    /// C23: open → write → finish; a subscriber that joined before the first write and one that
    /// joins after the finish both get the chunks in order, then the output.
    public func c23OpenWriteFinish() async throws {
        try await withHarness { manager, _ in
            let output = json("done")
            let writer = try await manager.open()
            let early = try await manager.subscribe(writer.id)
            let reading = Task { try await collect(early) }
            try await writer.write(0..<1)
            try await writer.write(1..<3)
            try await writer.write(3..<6)
            try await writer.finish(.success(output))
            let expected = expectedEvents(0..<6, then: .success(output))
            try expectEvents(try await reading.value, expected, "subscriber from before the first write")
            try expectEvents(try await manager.read(writer.id), expected, "subscriber after the finish")
        }
    }

    /// C24: opening an id that exists fails with `alreadyExists` (for another owner too, and after
    /// the stream finished), and the existing stream is untouched.
    public func c24OpenExistingFails() async throws {
        try await withHarness { manager, harness in
            let writer = try await manager.open()
            try await writer.write(0..<2)
            let id = writer.id
            try await expectError(.alreadyExists, "second open of a running stream") {
                _ = try await harness.manager.open(id, in: conformanceScope)
            }
            try await expectError(.alreadyExists, "second open by another principal") {
                _ = try await harness.manager.open(id, in: StreamScope(flow: conformanceScope.flow, principal: "eve"))
            }
            try await writer.write(2..<3)
            try await writer.finish(.success(.null))
            try await expectError(.alreadyExists, "open of a finished stream's id") {
                _ = try await harness.manager.open(id, in: conformanceScope)
            }
            try expectEvents(
                try await manager.read(id), expectedEvents(0..<3, then: .success(.null)),
                "the original stream after the failed opens")
        }
    }

    /// C25: subscribing to (or cancelling) an id that names no stream fails with `notFound`.
    public func c25SubscribeUnknownFails() async throws {
        try await withHarness { manager, harness in
            let unknown = StreamID.random()
            for index in [nil, -1, 0, 5] as [Int?] {
                try await expectError(.notFound, "subscribe to an unknown id after \(index.map(String.init) ?? "nil")") {
                    _ = try await harness.manager.subscribe(unknown, after: index, in: conformanceScope)
                }
            }
            try await expectError(.notFound, "cancel of an unknown id") {
                _ = try await harness.manager.cancel(unknown, in: conformanceScope)
            }
            // A stream that exists does not make its neighbours exist.
            let writer = try await manager.open()
            try await writer.finish(.success(.null))
            try await expectError(.notFound, "subscribe to an unknown id next to a known one") {
                _ = try await harness.manager.subscribe(StreamID.random(), after: nil, in: conformanceScope)
            }
        }
    }

    /// C26: write, finish(success) and finish(failure) after a stream finished fail with
    /// `streamFinished`, and a subscriber afterwards sees exactly the original chunks and terminal.
    public func c26WriteAfterFinishFails() async throws {
        try await withHarness { manager, _ in
            let original: [StreamOutcome] = [
                .success(json("first")),
                .failure(FlowError(status: .internal, message: "Internal Error")),
            ]
            for outcome in original {
                let writer = try await manager.open()
                try await writer.write(0..<2)
                try await writer.finish(outcome)
                let base = writer.base
                try await expectError(.streamFinished, "write after finish") {
                    try await base.write(chunks(2..<4))
                }
                try await expectError(.streamFinished, "finish(success) after finish") {
                    try await base.finish(.success(json("second")))
                }
                try await expectError(.streamFinished, "finish(failure) after finish") {
                    try await base.finish(.failure(FlowError(status: .aborted, message: "second")))
                }
                try await expectError(.streamFinished, "write after the rejected finishes") {
                    try await base.write([chunk(2)])
                }
                try expectEvents(
                    try await manager.read(writer.id), expectedEvents(0..<2, then: outcome),
                    "stream after rejected writes and finishes (\(render(outcome)))")
            }
        }
    }

    /// C28: a subscriber to a finished stream gets all chunks, then the terminal event, and its
    /// sequence ends; so does a second one, and one of a stream without chunks.
    public func c28FinishedStreamReplay() async throws {
        try await withHarness { manager, _ in
            let failure = StreamOutcome.failure(FlowError(status: .internal, message: "Internal Error"))
            let cases: [(count: Int, outcome: StreamOutcome)] = [
                (40, .success(json("done: 40"))), (3, failure), (0, .success(.null)), (0, failure),
            ]
            for (count, outcome) in cases {
                let writer = try await manager.open()
                var written = 0
                while written < count {
                    let batch = min(count - written, written % 7 + 1)
                    try await writer.write(written..<(written + batch))
                    written += batch
                }
                try await writer.finish(outcome)
                let expected = expectedEvents(0..<count, then: outcome)
                try expectEvents(try await manager.read(writer.id), expected, "replay of \(count) chunks, \(render(outcome))")
                try expectEvents(try await manager.read(writer.id), expected, "second replay of \(count) chunks")

                // The iterator stays ended after the terminal event.
                let events = try await manager.subscribe(writer.id)
                let after = try await withTimeout(stepLimit, "next() after the terminal event") {
                    var iterator = events.makeAsyncIterator()
                    while let event = try await iterator.next() {
                        if case .finished = event { break }
                    }
                    return try await iterator.next()
                }
                try expect(after == nil, "replay of \(count) chunks: \(after.map(render) ?? "") after the terminal event")
            }
        }
    }

    /// C29: identical chunks, in separate writes and in one batch, are all kept with their own indices.
    public func c29IdenticalChunksKept() async throws {
        try await withHarness { manager, _ in
            let same = json("same")
            let writer = try await manager.open()
            let live = try await manager.subscribe(writer.id)
            let reading = Task { try await collect(live) }
            try await writer.write([same])
            try await writer.write([same, same, same])
            try await writer.write([same])
            try await writer.finish(.success(same))
            let expected = (0..<5).map { StreamEvent.chunk(index: $0, same) } + [.finished(index: 5, .success(same))]
            try expectEvents(try await reading.value, expected, "live subscriber")
            try expectEvents(try await manager.read(writer.id), expected, "replay")
        }
    }

    /// C32: stored errors keep their status, message and details, live and replayed, for every status.
    public func c32StoredErrorsKeepStatus() async throws {
        try await withHarness { manager, _ in
            let details = JSONBytes(unchecked: Array(#"{"field":"name","reasons":["too short",null,1.5]}"#.utf8))
            var errors = [
                FlowError(status: .invalidArgument, message: "a user facing error", details: details),
                FlowError(status: .invalidArgument, message: "no details"),
                FlowError(status: .internal, message: "Ünïcode ✓ \"quoted\"\nsecond line", details: json("text")),
            ]
            for (position, status) in FlowStatus.all.enumerated() {
                let details = position.isMultiple(of: 2) ? nil : JSONBytes(unchecked: Array("[\(position)]".utf8))
                errors.append(FlowError(status: status, message: "status \(status)", details: details))
            }
            for error in errors {
                let writer = try await manager.open()
                let live = try await manager.subscribe(writer.id)
                let reading = Task { try await collect(live) }
                try await writer.write(0..<1)
                try await writer.finish(.failure(error))
                let expected = expectedEvents(0..<1, then: .failure(error))
                try expectEvents(try await reading.value, expected, "live reader of \(render(.failure(error)))")
                try expectEvents(try await manager.read(writer.id), expected, "replay of \(render(.failure(error)))")
            }
        }
    }
}
