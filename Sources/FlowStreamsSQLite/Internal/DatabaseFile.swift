#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The database file as it was when the manager opened it (device and inode).
///
/// SQLite keeps writing to a file that was deleted or replaced under it: the commits succeed and
/// vanish with the last open descriptor, a silent loss. Every write transaction checks that the
/// path still names the file that was opened, and counts a change as a storage error.
struct DatabaseFile: Sendable {
    /// The file at the path was removed or replaced since the manager opened it.
    struct Changed: Error, CustomStringConvertible {
        var description: String { "the database file was removed or replaced" }
    }

    let path: String
    private let device: UInt64
    private let inode: UInt64

    /// Records the identity of the file at `path`; `nil` when it cannot be read.
    init?(path: String) {
        guard let identity = DatabaseFile.identity(of: path) else { return nil }
        self.path = path
        (device, inode) = identity
    }

    /// - Throws: `Changed` when `path` no longer names the opened file.
    func checkUnchanged() throws {
        guard let identity = DatabaseFile.identity(of: path), identity == (device, inode) else { throw Changed() }
    }

    private static func identity(of path: String) -> (UInt64, UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}
