/// Why a `PostgresStreamManager` could not be created or started. Its description names the cause,
/// never stream data or SQL, so it is safe to log.
public struct PostgresStreamManagerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case invalidConfiguration, migrationFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// A configuration value is not allowed (a schema or channel name, a renewal not shorter than the expiry).
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// The schema could not be created or migrated.
        public static let migrationFailed = Code(.migrationFailed)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// A short explanation (no data, no SQL).
    public var reason: String
    /// The underlying error (a `PSQLError`), for diagnosis; not part of `description`.
    public var underlying: (any Error)?

    init(code: Code, reason: String, underlying: (any Error)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String { "PostgresStreamManagerError(\(code)): \(reason)" }
}
