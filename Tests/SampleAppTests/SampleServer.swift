import Foundation
import TestSupport

/// The sample server (`durable-streaming serve`) as a child process on an ephemeral loopback port.
///
/// It starts with an in-memory store and short chunk delays unless told otherwise, and with the
/// chat's `OPENAI_*` variables emptied, so a key in the test's own environment is never used.
struct SampleServer {
    let process: ChildProcess
    let port: Int

    static let sse: [(String, String)] = [("Accept", "text/event-stream"), ("Content-Type", "application/json")]
    static let json: [(String, String)] = [("Content-Type", "application/json")]

    /// - Parameters:
    ///   - framework: `--framework`.
    ///   - defaults: The arguments before `arguments`: `--port 0 --store memory --chunk-delay-ms 20`.
    ///   - arguments: More arguments after the defaults (a repeated option wins over its default).
    ///   - environment: Variables for the child, on top of the emptied `OPENAI_*`, `PORT`, `HOST`,
    ///     `FLOWSTREAMS_STORE` and `LOG_LEVEL`.
    static func start(
        framework: Framework = .hummingbird,
        defaults: [String] = ["--port", "0", "--store", "memory", "--chunk-delay-ms", "20"],
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> SampleServer {
        let process = try await ChildProcess.start(
            product: "durable-streaming",
            arguments: ["serve", "--framework", framework.rawValue] + defaults + arguments,
            environment: cleanEnvironment.merging(environment) { _, new in new })
        return SampleServer(process: process, port: try await process.waitForListening(timeout: .seconds(30)))
    }

    static let cleanEnvironment = [
        "OPENAI_BASE_URL": "", "OPENAI_API_KEY": "", "OPENAI_MODEL": "",
        "PORT": "", "HOST": "", "FLOWSTREAMS_STORE": "", "LOG_LEVEL": "",
    ]

    /// The environment that points the chat flow at `api`, with a test key.
    static func chatEnvironment(_ api: FakeModelAPI) -> [String: String] {
        ["OPENAI_BASE_URL": api.baseURL, "OPENAI_API_KEY": "sk-test-key-1234", "OPENAI_MODEL": FakeModelAPI.model]
    }

    /// SIGTERM, and the exit status.
    @discardableResult
    func stop() async throws -> Int32 { try await process.stop(gracePeriod: .seconds(15)) }

    /// Streams `POST path` and returns every frame of the answer (head status 200 expected).
    func stream(_ path: String, body: String, headers: [(String, String)] = [], timeout: Duration = .seconds(30)) async throws
        -> (head: TestHTTPResponseHead, frames: [String])
    {
        let reader = try await SSEStreamReader.open(port: port, path: path, headers: Self.sse + headers, body: body)
        let frames = try await reader.remainingFrames(timeout: timeout)
        await reader.close()
        return (reader.connection.head, frames)
    }

    /// `POST path` without streaming; the status and body.
    func call(_ path: String, body: String, timeout: Duration = .seconds(30)) async throws -> (status: Int, body: String) {
        let (head, bytes) = try await httpRequest(port: port, path: path, headers: Self.json, body: body, timeout: timeout)
        return (head.status, String(decoding: bytes, as: UTF8.self))
    }

    /// `GET path`; the status and body.
    func get(_ path: String, timeout: Duration = .seconds(10)) async throws -> (status: Int, body: String) {
        let (head, bytes) = try await httpRequest(port: port, method: "GET", path: path, body: nil, timeout: timeout)
        return (head.status, String(decoding: bytes, as: UTF8.self))
    }

    /// A loopback port that nothing listens on (it was bound, then closed).
    static func freePort() async throws -> Int {
        try await withFakeModelAPI({ _ in [] }) { api in api.port }
    }

    /// A new empty folder under the temporary directory; the caller removes it.
    static func scratchDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("flowstreams-sample-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
