import FlowStreams

extension StreamManagerConformance {
    /// C31: finished streams (succeeded, failed, cancelled) are removed once the retention period has
    /// passed since they finished, not before, and reading them does not extend it; open streams are
    /// never removed, however far the clock moves.
    public func c31RetentionRemovesOnlyFinishedStreams() async throws {
        try await withHarness { manager, harness in
            let retention = harness.retention
            let margin = retention / 10
            let succeeded = try await manager.open()
            try await succeeded.write(0..<3)
            try await succeeded.finish(.success(json("done")))
            let failed = try await manager.open()
            try await failed.finish(.failure(FlowError(status: .internal, message: "Internal Error")))
            let cancelled = try await manager.open()
            try await cancelled.write(0..<1)
            let result = try await manager.cancel(cancelled.id)
            try expect(result == .cancelled, "cancel of a running stream answered \(result)")
            let running = try await manager.open()
            try await running.write(0..<2)

            // Just before the retention period ends every stream is still there (and is read, which must not extend it).
            try await harness.advanceClock(retention - margin)
            try await harness.sweep()
            try expectEvents(
                try await manager.read(succeeded.id), expectedEvents(0..<3, then: .success(json("done"))),
                "finished stream before its retention ended")
            for stream in [failed, cancelled, running] {
                _ = try await manager.subscribe(stream.id)
            }

            // Just after, the finished ones are gone.
            try await harness.advanceClock(margin * 2)
            try await harness.sweep()
            for (name, stream) in [("succeeded", succeeded), ("failed", failed), ("cancelled", cancelled)] {
                let id = stream.id
                try await expectError(.notFound, "subscribe to the \(name) stream after its retention") {
                    _ = try await harness.manager.subscribe(id, after: nil, in: conformanceScope)
                }
                try await expectError(.notFound, "cancel of the \(name) stream after its retention") {
                    _ = try await harness.manager.cancel(id, in: conformanceScope)
                }
            }

            // A running stream stays, however long; its retention starts when it finishes.
            try await harness.advanceClock(retention * 100)
            try await harness.sweep()
            try await running.write(2..<3)
            try await running.finish(.success(json("late")))
            try await harness.sweep()
            try await harness.advanceClock(retention - margin)
            try await harness.sweep()
            try expectEvents(
                try await manager.read(running.id), expectedEvents(0..<3, then: .success(json("late"))),
                "stream that ran past many retention periods, just before its own retention ended")
            try await harness.advanceClock(margin * 2)
            try await harness.sweep()
            let id = running.id
            try await expectError(.notFound, "subscribe to the long-running stream after its retention") {
                _ = try await harness.manager.subscribe(id, after: nil, in: conformanceScope)
            }
        }
    }
}
