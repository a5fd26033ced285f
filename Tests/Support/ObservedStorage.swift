package import FlowStreams

/// A storage that passes every step to `base` and tells `onPage` how many chunks each page read
/// returned: the seam through which tests look at what a reader fetches (X3), without a hook in the
/// production types.
package final class ObservedStorage<Base: DurableStorage>: DurableStorage {
    package let base: Base
    private let onPage: @Sendable (Int) -> Void

    package init(_ base: Base, onPage: @escaping @Sendable (Int) -> Void) {
        self.base = base
        self.onPage = onPage
    }

    package func page(of id: StreamID, from index: Int, limit: Int) async throws -> StoredPage? {
        let page = try await base.page(of: id, from: index, limit: limit)
        onPage(page?.chunks.count ?? 0)
        return page
    }

    package func create(_ id: StreamID, in scope: StreamScope) async throws -> Bool { try await base.create(id, in: scope) }
    package func append(_ batches: [ChunkAppend]) async throws -> [AppendResult] { try await base.append(batches) }
    package func storeTerminal(_ outcome: StreamOutcome, of id: StreamID) async throws -> Bool {
        try await base.storeTerminal(outcome, of: id)
    }
    package func stream(_ id: StreamID) async throws -> StoredStream? { try await base.stream(id) }
    package func marks(of ids: [StreamID]) async throws -> [StreamID: StreamMark] { try await base.marks(of: ids) }
    package func removeExpired(retention: Duration) async throws -> Int { try await base.removeExpired(retention: retention) }
    package func run(notifying notifications: StorageNotifications) async { await base.run(notifying: notifications) }
    package func follow(_ id: StreamID) { base.follow(id) }
    package func unfollow(_ id: StreamID) { base.unfollow(id) }
    package func isTransient(_ error: any Error) -> Bool { base.isTransient(error) }
    package func describe(_ error: any Error) -> String { base.describe(error) }
}
