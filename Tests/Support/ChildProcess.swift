import Foundation
import Glibc

/// An executable of this package, built next to the test binary, running as a child process.
///
/// Its stdout and stderr are drained continuously by two threads (so a chatty child never blocks on a
/// full pipe) and kept in memory. The process is killed (SIGKILL) when the last reference goes away.
///
/// ```swift
/// let server = try await ChildProcess.start(product: "flowstreams-fixture-server", arguments: ["--port", "0"])
/// let port = try await server.waitForListening(timeout: .seconds(10))
/// server.signal(SIGTERM)
/// #expect(try await server.waitForExit(timeout: .seconds(5)) == 0)
/// ```
public final class ChildProcess: Sendable {
    /// The process id.
    public let pid: Int32
    /// The absolute path of the executable that was started.
    public let executablePath: String

    private let process: Process
    private let monitor: ChildProcessMonitor

    private init(process: Process, executablePath: String, monitor: ChildProcessMonitor) {
        self.process = process
        self.pid = process.processIdentifier
        self.executablePath = executablePath
        self.monitor = monitor
    }

    deinit {
        if monitor.snapshot.exitStatus == nil {
            kill(pid, SIGKILL)
        }
    }

    // MARK: Starting

    /// Starts a product of this package, found next to the running test binary.
    ///
    /// - Parameters:
    ///   - product: The executable's name, such as "flowstreams-fixture-server".
    ///   - arguments: Its command-line arguments.
    ///   - environment: Variables added to (or replacing those of) the test process's environment.
    /// - Returns: The running process.
    /// - Throws: ``TestSupportError`` if the executable is not built (see ``productsDirectories()``);
    ///   Foundation's error if it cannot be started.
    public static func start(
        product: String,
        arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> ChildProcess {
        let directories = productsDirectories()
        let fileManager = FileManager.default
        guard let path = directories.map({ "\($0)/\(product)" }).first(where: fileManager.isExecutableFile(atPath:))
        else {
            throw TestSupportError(
                "executable '\(product)' not found in \(directories); build it first (`swift build --build-tests` builds every product)"
            )
        }
        return try await start(executablePath: path, arguments: arguments, environment: environment)
    }

    /// Starts any executable.
    ///
    /// - Parameters:
    ///   - executablePath: The absolute path of the executable.
    ///   - arguments: Its command-line arguments.
    ///   - environment: Variables added to (or replacing those of) the test process's environment.
    /// - Returns: The running process.
    /// - Throws: Foundation's error if it cannot be started.
    public static func start(
        executablePath: String,
        arguments: [String],
        environment: [String: String] = [:]
    ) async throws -> ChildProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executablePath)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let monitor = ChildProcessMonitor()
        process.terminationHandler = { process in
            let status = process.terminationStatus
            monitor.exited(status: process.terminationReason == .uncaughtSignal ? 128 + status : status)
        }
        try await runWithEmptySignalMask(process)  // also closes the parent's write ends of both pipes
        drain(stdout.fileHandleForReading, into: monitor, isStdout: true)
        drain(stderr.fileHandleForReading, into: monitor, isStdout: false)
        return ChildProcess(process: process, executablePath: executablePath, monitor: monitor)
    }

    /// The folders searched for products, in order: `$FLOWSTREAMS_PRODUCTS_DIR` if set, the folder of the
    /// running binary (`.build/<triple>/debug` under `swift test`), then `.build/debug` and `.build/release`
    /// of this package.
    public static func productsDirectories() -> [String] {
        var directories: [String] = []
        if let override = ProcessInfo.processInfo.environment["FLOWSTREAMS_PRODUCTS_DIR"] {
            directories.append(override)
        }
        if let executable = realpath("/proc/self/exe", nil) {
            defer { free(executable) }
            directories.append(URL(fileURLWithPath: String(cString: executable)).deletingLastPathComponent().path)
        }
        // This file is <package>/Tests/Support/ChildProcess.swift.
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug").path)
        directories.append(packageRoot.appendingPathComponent(".build/release").path)
        return directories
    }

    /// Starts `process` from a fresh thread whose signal mask is empty.
    ///
    /// `posix_spawn` passes the calling thread's signal mask on to the child, and the Swift concurrency
    /// threads block most signals (SIGTERM, SIGINT, ...): a child spawned from one would never see SIGTERM.
    private static func runWithEmptySignalMask(_ process: Process) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                var empty = sigset_t()
                sigemptyset(&empty)
                pthread_sigmask(SIG_SETMASK, &empty, nil)
                do {
                    try process.run()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = "ChildProcess spawn"
            thread.start()
        }
    }

    /// Reads `handle` on its own thread until end of file, then closes it.
    private static func drain(_ handle: FileHandle, into monitor: ChildProcessMonitor, isStdout: Bool) {
        let thread = Thread {
            let descriptor = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    monitor.append(buffer[0..<count], fromStdout: isStdout)
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            try? handle.close()
            monitor.pipeClosed(stdout: isStdout)
        }
        thread.name = isStdout ? "ChildProcess stdout" : "ChildProcess stderr"
        thread.start()
    }

    // MARK: Output

    /// Everything read from stdout and stderr so far, interleaved as it arrived, decoded as UTF-8.
    public var output: String { monitor.snapshot.outputText }

    /// The complete stdout lines so far (without "\n").
    public var stdoutLines: [String] { monitor.snapshot.stdoutLines }

    /// Waits for a stdout line containing `text` and returns it (without "\n").
    ///
    /// Lines printed before the call count too: the first matching line since start is returned.
    /// - Throws: ``TestTimeoutError``; ``TestSupportError`` (with the output) if stdout closed without such a line.
    public func waitForLine(containing text: String, timeout: Duration) async throws -> String {
        try await monitor.wait(timeout: timeout, waitingFor: "a stdout line containing \"\(text)\"") { state in
            if let line = state.stdoutLines.first(where: { $0.contains(text) }) { return line }
            if state.stdoutClosed {
                let status = state.exitStatus.map { "exited with status \($0)" } ?? "closed its stdout"
                throw TestSupportError(
                    "the process \(status) without printing a line containing \"\(text)\"; output:\n\(state.outputText)"
                )
            }
            return nil
        }
    }

    /// Waits for the line `FlowStreams listening on http://HOST:PORT` and returns the port.
    ///
    /// - Throws: As ``waitForLine(containing:timeout:)``; ``TestSupportError`` if the line has no port.
    public func waitForListening(timeout: Duration) async throws -> Int {
        let line = try await waitForLine(containing: "FlowStreams listening on ", timeout: timeout)
        let address = line.components(separatedBy: "FlowStreams listening on ").last ?? ""
        guard let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...].prefix { $0.isNumber })
        else {
            throw TestSupportError("no port in the line \"\(line)\"")
        }
        return port
    }

    // MARK: Signals and exit

    /// Sends `signal` (such as `SIGTERM`, `SIGKILL`, `SIGSTOP`) to the process, unless it has already exited.
    public func signal(_ signal: Int32) {
        guard monitor.snapshot.exitStatus == nil else { return }
        kill(pid, signal)
    }

    /// The exit status once the process has ended (128 + signal number if a signal ended it), else `nil`.
    public var exitStatus: Int32? { monitor.snapshot.exitStatus }

    /// Waits for the process to end and returns its status.
    ///
    /// After the exit, also waits (up to 2 s) for the output pipes to close, so ``output`` is complete.
    /// - Returns: The exit status, or 128 + the signal number if a signal ended it.
    /// - Throws: ``TestTimeoutError`` if it is still running after `timeout` (it is not killed).
    public func waitForExit(timeout: Duration) async throws -> Int32 {
        let status = try await monitor.wait(timeout: timeout, waitingFor: "process \(pid) to exit") { $0.exitStatus }
        _ = try? await monitor.wait(timeout: .seconds(2), waitingFor: "output pipes to close") {
            $0.pipesClosed ? true : nil
        }
        return status
    }

    /// Stops the process: SIGTERM, then SIGKILL if it has not exited after `gracePeriod`.
    ///
    /// - Returns: The exit status, as ``waitForExit(timeout:)``.
    @discardableResult
    public func stop(gracePeriod: Duration = .seconds(5)) async throws -> Int32 {
        signal(SIGTERM)
        do {
            return try await waitForExit(timeout: gracePeriod)
        } catch is TestTimeoutError {
            signal(SIGKILL)
            return try await waitForExit(timeout: .seconds(10))
        }
    }
}
