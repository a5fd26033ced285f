import Logging
import PostgresNIO

/// The named migrations of the schema, applied in order on start and never edited once shipped.
///
/// Several instances may start at once: each applies the missing migrations in one transaction that
/// first takes a transaction-scoped advisory lock on the schema's name, so one instance migrates and
/// the others find the work done.
enum Schema {
    static func migrations(_ t: Tables) -> [(name: String, statements: [String])] {
        [
            ("2026-11-25 streams and chunks", [
                """
                CREATE TABLE IF NOT EXISTS \(t.streams) (
                    id text PRIMARY KEY,
                    flow text NOT NULL,
                    owner text,
                    status text NOT NULL,
                    chunk_count integer NOT NULL DEFAULT 0,
                    output bytea,
                    error_status text,
                    error_message text,
                    error_details bytea,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    finished_at timestamptz,
                    lease_expires_at timestamptz,
                    instance text
                )
                """,
                "CREATE INDEX IF NOT EXISTS flowstreams_streams_finished ON \(t.streams) (finished_at) WHERE finished_at IS NOT NULL",
                "CREATE INDEX IF NOT EXISTS flowstreams_streams_lease ON \(t.streams) (lease_expires_at) WHERE status = 'running'",
                """
                CREATE TABLE IF NOT EXISTS \(t.chunks) (
                    stream_id text NOT NULL,
                    idx integer NOT NULL,
                    bytes bytea NOT NULL,
                    PRIMARY KEY (stream_id, idx)
                )
                """,
            ]),
        ]
    }

    /// Creates the schema when missing and applies the migrations not yet applied.
    /// - Returns: The names of the migrations this call applied.
    static func migrate(_ client: PostgresClient, tables t: Tables, schemaName: String, logger: Logger) async throws -> [String] {
        try await client.withTransaction(logger: logger) { connection in
            let lockKey = "flowstreams:\(schemaName)"
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(lockKey)))", logger: logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: t.schema)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS \(unescaped: t.migrations) (
                    name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied: Set<String> = []
            for try await name in try await connection.query("SELECT name FROM \(unescaped: t.migrations)", logger: logger)
                .decode(String.self) {
                applied.insert(name)
            }
            var appliedNow: [String] = []
            for migration in migrations(t) where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO \(unescaped: t.migrations) (name) VALUES (\(migration.name))", logger: logger)
                appliedNow.append(migration.name)
            }
            return appliedNow
        }
    }
}
