import GRDB

/// The database schema, as named migrations. A migration is never edited once released: a change is
/// a new migration appended here.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // streams: one row per stream. The terminal event is the row's outcome columns, at index
        // chunk_count. Times are milliseconds since 1970.
        // chunks: one row per chunk, clustered by (stream_id, idx) (WITHOUT ROWID: a page read is
        // one range scan of the primary key; chunks are typically small).
        migrator.registerMigration("v1-streams-and-chunks") { db in
            try db.execute(sql: """
                CREATE TABLE streams (
                    id TEXT NOT NULL PRIMARY KEY,
                    flow TEXT NOT NULL,
                    owner TEXT,
                    status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
                    output BLOB,
                    error_status TEXT,
                    error_message TEXT,
                    error_details BLOB,
                    chunk_count INTEGER NOT NULL DEFAULT 0 CHECK (chunk_count >= 0),
                    created_at INTEGER NOT NULL,
                    finished_at INTEGER
                );
                CREATE INDEX streams_by_finished_at ON streams (finished_at) WHERE finished_at IS NOT NULL;
                CREATE INDEX streams_running ON streams (status) WHERE status = 'running';
                CREATE TABLE chunks (
                    stream_id TEXT NOT NULL,
                    idx INTEGER NOT NULL,
                    bytes BLOB NOT NULL,
                    PRIMARY KEY (stream_id, idx)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
