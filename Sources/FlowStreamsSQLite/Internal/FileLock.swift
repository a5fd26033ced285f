#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An exclusive `flock` on a lock file, held until `release()` (or deinit). The kernel releases it
/// when the process dies, so a crashed process never leaves the database locked.
///
/// `flock` locks belong to an open file description: a second lock in the same process conflicts
/// too, so two managers on one file fail the same way whether they share a process or not.
final class FileLock: Sendable {
    /// The lock file's path (`<database>.lock`).
    let path: String
    private let descriptor: Mutex<Int32?>

    /// Takes the lock at once or fails.
    /// - Throws: `SQLiteStreamManagerError` `.databaseLocked` when someone holds it,
    ///   `.cannotOpenLockFile` when the file cannot be opened or locked.
    init(path: String, databasePath: String) throws(SQLiteStreamManagerError) {
        self.path = path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SQLiteStreamManagerError(code: .cannotOpenLockFile, path: databasePath, systemError: errno)
        }
        guard FileLock.lock(fd) == 0 else {
            let error = errno
            let holder = FileLock.readHolder(fd)
            close(fd)
            if error == EWOULDBLOCK {
                throw SQLiteStreamManagerError(code: .databaseLocked, path: databasePath, lockHolder: holder)
            }
            throw SQLiteStreamManagerError(code: .cannotOpenLockFile, path: databasePath, systemError: error)
        }
        // Leave our process id for whoever fails to take the lock next (diagnosis only).
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        descriptor = Mutex(fd)
    }

    /// How long a lock held by someone else is tried again before giving up.
    ///
    /// A process being spawned in this process (fork or `posix_spawn`) holds a copy of every
    /// descriptor until it execs, close-on-exec or not, so a lock released just now may still be held
    /// for a few milliseconds by such a child.
    static let contentionWindow: Duration = .milliseconds(300)

    /// `flock(LOCK_EX | LOCK_NB)`, tried again for `contentionWindow` while someone else holds it.
    /// - Returns: 0, or −1 with `errno` set.
    private static func lock(_ fd: Int32) -> Int32 {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: contentionWindow)
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return 0 }
            let error = errno
            guard error == EWOULDBLOCK || error == EINTR, clock.now < deadline else { return -1 }
            usleep(10_000)
        }
    }

    /// Gives the lock back. Safe to call more than once.
    func release() {
        descriptor.withLock { descriptor in
            if let fd = descriptor { close(fd) }
            descriptor = nil
        }
    }

    deinit { release() }

    /// The process id the holder wrote into the lock file, if readable.
    private static func readHolder(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        let digits = buffer.prefix(count).prefix { UInt8(ascii: "0")...UInt8(ascii: "9") ~= $0 }
        return Int32(String(decoding: digits, as: UTF8.self))
    }
}
