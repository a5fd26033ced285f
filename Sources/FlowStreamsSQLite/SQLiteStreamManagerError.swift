/// Why an `SQLiteStreamManager` could not start. Its description names the file and the cause, never
/// stream data, so it is safe to log.
///
/// ```swift
/// do {
///     manager = try SQLiteStreamManager(path: "streams.sqlite", logger: logger)
/// } catch let error as SQLiteStreamManagerError where error.code == .databaseLocked {
///     logger.critical("\(error)")   // another server already serves this file
/// }
/// ```
public struct SQLiteStreamManagerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. New codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case databaseLocked, cannotOpenLockFile, cannotOpenDatabase, migrationFailed, recoveryFailed
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Another manager, in this process or another, has the database open: one manager per file.
        public static let databaseLocked = Code(.databaseLocked)
        /// The lock file next to the database (`<path>.lock`) could not be created, opened or locked.
        public static let cannotOpenLockFile = Code(.cannotOpenLockFile)
        /// SQLite could not open the database file.
        public static let cannotOpenDatabase = Code(.cannotOpenDatabase)
        /// The schema could not be created or migrated.
        public static let migrationFailed = Code(.migrationFailed)
        /// The streams a previous process left running could not be ended.
        public static let recoveryFailed = Code(.recoveryFailed)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public var code: Code
    /// The database file's path.
    public var path: String
    /// The process id found in the lock file when it was `.databaseLocked`, if any.
    public var lockHolder: Int32?
    /// The operating system's `errno`, for lock file failures.
    public var systemError: Int32?
    /// The underlying error (a GRDB `DatabaseError`), for diagnosis; not part of `description`.
    public var underlying: (any Error)?

    init(code: Code, path: String, lockHolder: Int32? = nil, systemError: Int32? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.path = path
        self.lockHolder = lockHolder
        self.systemError = systemError
        self.underlying = underlying
    }

    public var description: String {
        let reason: String
        switch code {
        case .databaseLocked:
            let holder = lockHolder.map { " (process \($0))" } ?? ""
            reason = "the database is already open in another SQLiteStreamManager\(holder); only one process may use the file at a time"
        case .cannotOpenLockFile:
            reason = "cannot create or lock \(path).lock" + (systemError.map { " (errno \($0))" } ?? "")
        case .cannotOpenDatabase:
            reason = "SQLite cannot open the database" + sqliteCode
        case .migrationFailed:
            reason = "the schema could not be migrated" + sqliteCode
        default:
            reason = "streams left running could not be ended" + sqliteCode
        }
        return "SQLiteStreamManagerError(\(code)): \(path): \(reason)"
    }

    private var sqliteCode: String {
        underlying.flatMap(SQLiteStorage.sqliteCode(of:)).map { " (\($0))" } ?? ""
    }
}
