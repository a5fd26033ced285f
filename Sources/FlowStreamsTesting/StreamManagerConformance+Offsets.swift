import FlowStreams

extension StreamManagerConformance {
    /// Resume offsets (`subscribe(after:)`): −1 and `nil` start at 0, n at n + 1. On a running stream
    /// an offset at or beyond the stored chunks is `offsetOutOfRange`; on a finished one with C chunks, C − 1
    /// and C give only the terminal event (index C) and anything beyond C is `offsetOutOfRange`; below −1
    /// is always `offsetOutOfRange`.
    public func x1ResumeAfterAnOffset() async throws {
        try await withHarness { manager, harness in
            let output = StreamOutcome.success(json("done"))
            let writer = try await manager.open()
            let id = writer.id
            let outOfRange = { (index: Int, state: String) in
                try await expectError(.offsetOutOfRange, "subscribe after \(index) to a \(state) stream") {
                    _ = try await harness.manager.subscribe(id, after: index, in: conformanceScope)
                }
            }

            // Running, no chunks yet.
            let fromNothing = try await manager.subscribe(id, after: -1)
            for index in [0, 1, -2, Int.min, Int.max] { try await outOfRange(index, "running, empty") }

            // Running with 3 chunks.
            try await writer.write(0..<3)
            var running: [(after: Int?, events: StreamEvents)] = [(-1, fromNothing)]
            for index in [nil, -1, 0, 1, 2] as [Int?] {
                running.append((index, try await manager.subscribe(id, after: index)))
            }
            for index in [3, 4, 100, -2, Int.max] { try await outOfRange(index, "running, 3 chunks") }

            try await writer.write(3..<5)
            try await writer.finish(output)
            for (after, events) in running {
                try expectEvents(
                    try await collect(events), expectedEvents(((after ?? -1) + 1)..<5, then: output),
                    "subscribed after \(after.map(String.init) ?? "nil") while running, read to the end")
            }

            // Finished with 5 chunks.
            let finished: [(after: Int?, first: Int)] = [(nil, 0), (-1, 0), (0, 1), (3, 4), (4, 5), (5, 5)]
            for (after, first) in finished {
                try expectEvents(
                    try await manager.read(id, after: after), expectedEvents(first..<5, then: output),
                    "subscribe after \(after.map(String.init) ?? "nil") to a stream finished after 5 chunks")
            }
            for index in [6, 7, 100, -2, Int.min, Int.max] { try await outOfRange(index, "finished, 5 chunks") }

            // Finished without chunks.
            let empty = try await manager.open()
            try await empty.finish(output)
            for after in [nil, -1, 0] as [Int?] {
                try expectEvents(
                    try await manager.read(empty.id, after: after), expectedEvents(0..<0, then: output),
                    "subscribe after \(after.map(String.init) ?? "nil") to a stream finished without chunks")
            }
            let emptyID = empty.id
            try await expectError(.offsetOutOfRange, "subscribe after 1 to a stream finished without chunks") {
                _ = try await harness.manager.subscribe(emptyID, after: 1, in: conformanceScope)
            }
        }
    }
}
