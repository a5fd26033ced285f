import FlowStreams

extension StreamManagerConformance {
    /// C42: a stream opened with an owner is found (read, cancelled) only by that principal: for
    /// another principal, for none, and in another flow it is `notFound`, running or finished; a
    /// stream without an owner is found by anyone in its flow.
    public func c42OwnedStreamsVisibleOnlyToTheirOwner() async throws {
        try await withHarness { manager, harness in
            let flow = conformanceScope.flow
            let alibaba = StreamScope(flow: flow, principal: "alibaba")
            let strangers = [
                ("eve", StreamScope(flow: flow, principal: "eve")),
                ("no principal", StreamScope(flow: flow)),
                ("ALIBABA", StreamScope(flow: flow, principal: "ALIBABA")),
                ("alibaba in another flow", StreamScope(flow: "another-flow", principal: "alibaba")),
            ]

            let owned = try await manager.open(in: alibaba)
            try await owned.write(0..<2)
            let ownedID = owned.id
            for (name, scope) in strangers {
                try await expectError(.notFound, "subscribe by \(name) to alibaba's running stream") {
                    _ = try await harness.manager.subscribe(ownedID, after: nil, in: scope)
                }
                try await expectError(.notFound, "cancel by \(name) of alibaba's running stream") {
                    _ = try await harness.manager.cancel(ownedID, in: scope)
                }
            }
            try await owned.write(2..<3)
            let live = try await manager.subscribe(ownedID, in: alibaba)
            let reading = Task { try await collect(live) }
            let result = try await manager.cancel(ownedID, in: alibaba)
            try expect(result == .cancelled, "cancel by the owner answered \(result)")
            let expected = expectedEvents(0..<3, then: .failure(.streamCancelled))
            try expectEvents(try await reading.value, expected, "the owner's reader, after the strangers' attempts")
            try expectEvents(try await manager.read(ownedID, in: alibaba), expected, "the owner's replay")
            for (name, scope) in strangers {
                try await expectError(.notFound, "subscribe by \(name) to alibaba's finished stream") {
                    _ = try await harness.manager.subscribe(ownedID, after: nil, in: scope)
                }
                try await expectError(.notFound, "cancel by \(name) of alibaba's finished stream") {
                    _ = try await harness.manager.cancel(ownedID, in: scope)
                }
            }

            let shared = try await manager.open(in: conformanceScope)
            try await shared.write(0..<1)
            let sharedID = shared.id
            for scope in [alibaba, StreamScope(flow: flow, principal: "eve"), conformanceScope] {
                let events = try await manager.subscribe(sharedID, in: scope)
                let first = try await withTimeout(stepLimit, "the first event of a stream without owner") {
                    var iterator = events.makeAsyncIterator()
                    return try await iterator.next()
                }
                try expect(
                    first == .chunk(index: 0, chunk(0)),
                    "\(scope.principal ?? "no principal") read \(first.map(render) ?? "the end") from a stream without owner")
            }
            try await expectError(.notFound, "subscribe from another flow to a stream without owner") {
                _ = try await harness.manager.subscribe(sharedID, after: nil, in: StreamScope(flow: "another-flow"))
            }
            try await expectError(.notFound, "cancel from another flow of a stream without owner") {
                _ = try await harness.manager.cancel(sharedID, in: StreamScope(flow: "another-flow"))
            }
            let sharedResult = try await manager.cancel(sharedID, in: StreamScope(flow: flow, principal: "eve"))
            try expect(sharedResult == .cancelled, "cancel by eve of a stream without owner answered \(sharedResult)")
            try expectEvents(
                try await manager.read(sharedID, in: alibaba), expectedEvents(0..<1, then: .failure(.streamCancelled)),
                "stream without owner, cancelled by eve, read by alibaba")
        }
    }
}
