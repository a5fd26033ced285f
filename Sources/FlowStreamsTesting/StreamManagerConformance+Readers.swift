import FlowStreams

extension StreamManagerConformance {
    /// C27: while a writer writes many small batches, subscribers join at moments spread over the
    /// stream (from the start, or after a random offset); each sees every chunk after its offset
    /// exactly once, in order, then the terminal event: no gap and no duplicate at the seam.
    public func c27LateSubscriberSeam() async throws {
        try await withHarness { manager, _ in
            let total = 240
            let subscribers = 12
            let output = json("done: \(total)")
            let writer = try await manager.open()
            try await withThrowingTaskGroup(of: (after: Int?, events: [StreamEvent]).self) { group in
                let first = try await manager.subscribe(writer.id)
                group.addTask { (nil, try await collect(first)) }
                var written = 0
                var joined = 1
                while written < total {
                    let size = min(Int.random(in: 1...4), total - written)
                    try await writer.write(written..<(written + size))
                    written += size
                    while joined < subscribers, written * subscribers >= joined * total {
                        let after = joined.isMultiple(of: 2) ? nil : Int.random(in: -1..<written)
                        let events = try await manager.subscribe(writer.id, after: after)
                        group.addTask { (after, try await collect(events)) }
                        joined += 1
                    }
                    if Bool.random() { await Task.yield() }
                }
                try await writer.finish(.success(output))
                for try await (after, events) in group {
                    let start = (after ?? -1) + 1
                    try expectEvents(
                        events, expectedEvents(start..<total, then: .success(output)),
                        "subscriber that joined after chunk \(after.map(String.init) ?? "nil")")
                }
            }
        }
    }

    /// C30: a reader whose task is cancelled while it waits ends promptly; a dropped iterator and a
    /// sequence nobody reads hold nothing up; later writes succeed and new subscribers get everything.
    public func c30UnsubscribeFreesReader() async throws {
        try await withHarness { manager, _ in
            let writer = try await manager.open()
            try await writer.write(0..<1)

            // A reader waiting for chunk 1 is cancelled.
            let waiting = try await manager.subscribe(writer.id)
            let received = CallCounter()
            let reader = Task { await consume(waiting) { received.increment() } }
            try await withTimeout(stepLimit, "the reader's first chunk") { await received.wait(untilCount: 1) }
            for _ in 0..<20 { await Task.yield() }
            reader.cancel()
            let ended = try await withTimeout(.seconds(2), "the cancelled reader's task to end") { await reader.value }
            try expectEvents(ended.events, [.chunk(index: 0, chunk(0))], "events of the cancelled reader")
            try expect(
                ended.error == nil || ended.error is CancellationError,
                "the cancelled reader threw \(ended.error.map { "\($0)" } ?? ""), expected CancellationError or the end")

            // A reader whose task is cancelled before it starts.
            let early = try await manager.subscribe(writer.id)
            let cancelledReader = Task { await consume(early) {} }
            cancelledReader.cancel()
            let earlyEnd = try await withTimeout(.seconds(2), "a reader cancelled at once to end") { await cancelledReader.value }
            try expect(
                earlyEnd.events.count <= 1 && earlyEnd.events.allSatisfy { $0 == .chunk(index: 0, chunk(0)) },
                "a reader cancelled at once saw \(earlyEnd.events.map(render))")

            // An iterator dropped after its first event.
            let dropped = try await manager.subscribe(writer.id)
            let firstEvent = try await withTimeout(stepLimit, "the first event of an iterator") {
                var iterator = dropped.makeAsyncIterator()
                return try await iterator.next()
            }
            try expect(firstEvent == .chunk(index: 0, chunk(0)), "first event was \(firstEvent.map(render) ?? "the end")")

            // A subscriber that never reads does not hold the writer up, and catches up later.
            let idle = try await manager.subscribe(writer.id)
            for start in stride(from: 1, to: 100, by: 9) {
                try await writer.write(start..<min(start + 9, 100))
            }
            try await writer.finish(.success(json("done")))
            let expected = expectedEvents(0..<100, then: .success(json("done")))
            try expectEvents(try await collect(idle), expected, "the subscriber that read nothing until the end")
            try expectEvents(try await manager.read(writer.id), expected, "a new subscriber after the readers left")
        }
    }
}

/// Reads until the sequence ends or throws, calling `onEvent` after each event.
private func consume(
    _ events: StreamEvents, onEvent: @Sendable () -> Void
) async -> (events: [StreamEvent], error: (any Error)?) {
    var received: [StreamEvent] = []
    do {
        for try await event in events {
            received.append(event)
            onEvent()
        }
        return (received, nil)
    } catch {
        return (received, error)
    }
}
