package import GRDB

extension SQLiteStreamManager {
    /// Closes the database and releases the file lock now, as if the process had died: streams still
    /// running stay `running` in the file (the next manager ends them as lost); readers in this
    /// process get `UNAVAILABLE "Stream writer lost."`. The manager must not be used afterwards.
    package func close() {
        engine.loseLiveStreams()
        engine.storage.close()
    }

    /// Runs `body` on the manager's writer connection (test seam: `PRAGMA max_page_count`, …).
    package func withWriterConnection<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await engine.storage.pool.writeWithoutTransaction(body)
    }
}
