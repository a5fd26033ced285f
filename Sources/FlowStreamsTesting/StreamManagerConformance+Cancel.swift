import FlowStreams

extension StreamManagerConformance {
    /// C41: cancelling a running stream stores `CANCELLED` at once (readers see it at the stream's
    /// chunk count), later writes and finishes fail with `streamFinished` and change nothing, and
    /// the writer's cancel handler runs exactly once; cancelling a finished stream changes nothing; when
    /// a finish and a cancel race, the first terminal stored wins for every reader.
    public func c41CancelFirstTerminalWins() async throws {
        try await withHarness { manager, _ in
            try await cancelRunning(manager)
            try await cancelFinished(manager)
            for round in 0..<200 {
                try await raceFinishAndCancel(manager, round: round)
            }
        }
    }

    private func cancelRunning(_ manager: TimedManager) async throws {
        let cancelledOutcome = StreamOutcome.failure(.streamCancelled)
        let writer = try await manager.open()
        let before = CallCounter()
        writer.onCancel { before.increment() }
        try await writer.write(0..<2)
        let live = try await manager.subscribe(writer.id)
        let reading = Task { try await collect(live) }

        let result = try await manager.cancel(writer.id)
        try expect(result == .cancelled, "cancel of a running stream answered \(result)")
        try expectEvents(try await reading.value, expectedEvents(0..<2, then: cancelledOutcome), "live reader of a cancelled stream")
        try await withTimeout(stepLimit, "the cancel handler to run") { await before.wait(untilCount: 1) }

        let base = writer.base
        try await expectError(.streamFinished, "write after cancel") { try await base.write(chunks(2..<3)) }
        try await expectError(.streamFinished, "finish(success) after cancel") { try await base.finish(.success(.null)) }
        try await expectError(.streamFinished, "finish(failure) after cancel") {
            try await base.finish(.failure(FlowError(status: .internal, message: "Internal Error")))
        }
        let again = try await manager.cancel(writer.id)
        try expect(again == .alreadyFinished, "second cancel answered \(again)")

        let after = CallCounter()
        writer.onCancel { after.increment() }
        try expect(after.count == 1, "a cancel handler registered after the cancel ran \(after.count) times at once, expected 1")
        try expect(before.count == 1, "the cancel handler ran \(before.count) times, expected 1")
        try expectEvents(
            try await manager.read(writer.id), expectedEvents(0..<2, then: cancelledOutcome),
            "cancelled stream after the rejected writes, finishes and cancel")

        // A stream cancelled before its first chunk ends at index 0.
        let empty = try await manager.open()
        let emptyResult = try await manager.cancel(empty.id)
        try expect(emptyResult == .cancelled, "cancel of a stream without chunks answered \(emptyResult)")
        try expectEvents(try await manager.read(empty.id), expectedEvents(0..<0, then: cancelledOutcome), "stream cancelled before any chunk")
    }

    private func cancelFinished(_ manager: TimedManager) async throws {
        let outcomes: [StreamOutcome] = [
            .success(json("done")), .failure(FlowError(status: .invalidArgument, message: "bad", details: json("why"))),
        ]
        for outcome in outcomes {
            let writer = try await manager.open()
            let handler = CallCounter()
            writer.onCancel { handler.increment() }
            try await writer.write(0..<2)
            try await writer.finish(outcome)
            let result = try await manager.cancel(writer.id)
            try expect(result == .alreadyFinished, "cancel of a stream finished with \(render(outcome)) answered \(result)")
            try expectEvents(
                try await manager.read(writer.id), expectedEvents(0..<2, then: outcome),
                "stream finished with \(render(outcome)), then cancelled")
            try expect(handler.count == 0, "the cancel handler of a finished stream ran \(handler.count) times")
        }
    }

    /// One race of `finish` against `cancel`: whichever stored its terminal first is what everyone sees.
    private func raceFinishAndCancel(_ manager: TimedManager, round: Int) async throws {
        let output = StreamOutcome.success(json("finished"))
        let writer = try await manager.open()
        let handler = CallCounter()
        writer.onCancel { handler.increment() }
        let chunkCount = round % 3
        try await writer.write(0..<chunkCount)
        let live = try await manager.subscribe(writer.id)
        let reading = Task { try await collect(live) }

        let base = writer.base
        async let finishing = withTimeout(stepLimit, "round \(round): finish racing a cancel") { () -> (any Error)? in
            do {
                try await base.finish(output)
                return nil
            } catch {
                return error
            }
        }
        async let cancelling = manager.cancel(writer.id)
        let (finishError, cancelResult) = try await (finishing, cancelling)

        let winner: StreamOutcome
        switch cancelResult {
        case .cancelled:
            winner = .failure(.streamCancelled)
            let code = (finishError as? StreamManagerError)?.code
            try expect(
                code == .streamFinished,
                "round \(round): cancel won but finish \(finishError.map { "threw \($0)" } ?? "succeeded"), expected streamFinished")
            try await withTimeout(stepLimit, "round \(round): the cancel handler to run") { await handler.wait(untilCount: 1) }
        case .alreadyFinished:
            winner = output
            try expect(finishError == nil, "round \(round): cancel lost but finish threw \(finishError.map { "\($0)" } ?? "")")
            try expect(handler.count == 0, "round \(round): cancel lost but the cancel handler ran")
        }
        let expected = expectedEvents(0..<chunkCount, then: winner)
        try expectEvents(try await reading.value, expected, "round \(round): live reader")
        try expectEvents(try await manager.read(writer.id), expected, "round \(round): reader after the race")
    }
}

