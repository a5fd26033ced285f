import Foundation
import Testing
import TestSupport

/// docs/DEPLOY.md's nginx settings, checked against the nginx on this machine (Debian's): nginx runs
/// in front of the sample on loopback with the guide's `nginx` block, and streams, resumes, the
/// EventSource endpoint, cancel and the health checks go through it.
@Suite("The sample behind nginx with docs/DEPLOY.md's settings", .serialized,
       .enabled(if: Nginx.isRequired, "nginx is not installed (scripts/nginx-check installs Debian's)"))
struct NginxTests {

    static let guidePath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("docs/DEPLOY.md").path

    /// The first ```nginx block of docs/DEPLOY.md.
    static func guideBlock() throws -> String {
        let guide = try String(contentsOfFile: guidePath, encoding: .utf8)
        let start = try #require(guide.range(of: "```nginx\n"), "docs/DEPLOY.md has no nginx block")
        let end = try #require(guide.range(of: "\n```", range: start.upperBound..<guide.endIndex))
        return String(guide[start.upperBound..<end.lowerBound])
    }

    /// The guide's block pointed at the sample on `upstreamPort` and listening on `port`.
    static func serverBlock(upstreamPort: Int, port: Int, replacing: [(String, String)] = []) throws -> String {
        var block = try guideBlock()
        for (line, replacement) in [("server 127.0.0.1:3500;", "server 127.0.0.1:\(upstreamPort);"),
                                    ("listen 80;", "listen 127.0.0.1:\(port);")] + replacing {
            #expect(block.contains(line), "docs/DEPLOY.md's nginx block no longer has the line `\(line)`")
            block = block.replacingOccurrences(of: line, with: replacement)
        }
        return block
    }

    /// Runs nginx with `block` in a scratch folder for the duration of `body`, given nginx's port.
    static func withNginx<T: Sendable>(
        upstreamPort: Int, replacing: [(String, String)] = [], _ body: (Int) async throws -> T
    ) async throws -> T {
        let directory = try SampleServer.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let port = try await SampleServer.freePort()
        let path = directory.path
        let configuration = """
            daemon off;
            master_process off;
            worker_processes 1;
            pid \(path)/nginx.pid;
            error_log \(path)/error.log info;
            events { worker_connections 256; }
            http {
                access_log \(path)/access.log;
                client_body_temp_path \(path)/client_body;
                proxy_temp_path \(path)/proxy;
                fastcgi_temp_path \(path)/fastcgi;
                uwsgi_temp_path \(path)/uwsgi;
                scgi_temp_path \(path)/scgi;
            \(try serverBlock(upstreamPort: upstreamPort, port: port, replacing: replacing))
            }
            """
        try configuration.write(toFile: "\(path)/nginx.conf", atomically: true, encoding: .utf8)
        let nginx = try await ChildProcess.start(
            executablePath: Nginx.executable, arguments: ["-p", path, "-e", "\(path)/error.log", "-c", "\(path)/nginx.conf"])
        do {
            try await waitUntil(timeout: .seconds(10), "nginx to answer /healthz") {
                let status = try? await httpRequest(port: port, method: "GET", path: "/healthz", body: nil, timeout: .seconds(2)).head.status
                return status == 200
            }
            let result = try await body(port)
            nginx.signal(SIGQUIT)
            _ = try? await nginx.waitForExit(timeout: .seconds(10))
            return result
        } catch {
            let log = (try? String(contentsOfFile: "\(path)/error.log", encoding: .utf8)) ?? ""
            print("nginx output: \(nginx.output)\nnginx error log: \(log.suffix(3000))")
            throw error
        }
    }

    /// The frames of a POST /streamy through `port`, each with the time it arrived after the request.
    static func timedFrames(port: Int, count: Int, headers: [(String, String)] = []) async throws
        -> (id: String?, frames: [(String, Duration)])
    {
        let started = ContinuousClock.now
        let reader = try await SSEStreamReader.open(port: port, path: "/streamy", headers: SampleServer.sse + headers,
                                                    body: #"{"data":\#(count)}"#)
        var frames: [(String, Duration)] = []
        while let frame = try await reader.nextFrame(timeout: .seconds(20)) {
            frames.append((frame, ContinuousClock.now - started))
        }
        await reader.close()
        return (reader.connection.head.header("x-genkit-stream-id"), frames)
    }

    static func countFrame(_ index: Int) -> String { #"data: {"message":{"count":\#(index)}}"# }

    @Test("through nginx with the guide's settings each frame arrives when it is sent; resume, EventSource, DELETE and health work")
    func streamsThroughNginx() async throws {
        let server = try await SampleServer.start(arguments: ["--chunk-delay-ms", "300"])
        try await Self.withNginx(upstreamPort: server.port) { port in
            // Frames one by one, not all at the end: the flow sends one every 0.3 s, so unbuffered
            // frames arrive over ~2.1 s, buffered ones at once (a slow machine only spreads them more).
            let (id, frames) = try await Self.timedFrames(port: port, count: 8)
            #expect(frames.map(\.0) == (0..<8).map(Self.countFrame) + [#"data: {"result":"done: 8, streamed: 8 times"}"#])
            let first = try #require(frames.first?.1)
            let last = try #require(frames.last?.1)
            print("through nginx: first frame after \(first), last after \(last)")
            #expect(last - first > .milliseconds(1500))
            let streamID = try #require(id)

            // Resume after chunk 3, with the opt-in ids: the offset header and chunks 4… arrive.
            let resumed = try await SSEStreamReader.open(
                port: port, path: "/streamy",
                headers: SampleServer.sse + [("x-genkit-stream-id", streamID), ("Last-Event-ID", "3"), ("x-flowstreams-sse", "1")],
                body: "{}")
            #expect(resumed.connection.head.header("x-genkit-stream-offset") == "4")
            let rest = try await resumed.remainingFrames()
            #expect(rest == (4..<8).map { "id: \($0)\n" + Self.countFrame($0) } + ["id: 8\n" + #"data: {"result":"done: 8, streamed: 8 times"}"#])

            // The browser's endpoint.
            let events = try await SSEStreamReader.open(port: port, method: "GET", path: "/streamy/streams/\(streamID)",
                                                        headers: [("Last-Event-ID", "6")], body: nil)
            #expect(events.connection.head.status == 200)
            #expect(try await events.remainingFrames() == ["retry: 1000", "id: 7\n" + Self.countFrame(7),
                                                          "id: 8\n" + #"data: {"result":"done: 8, streamed: 8 times"}"#])

            // Cancel a running stream through nginx.
            let running = try await SSEStreamReader.open(port: port, path: "/streamy", headers: SampleServer.sse, body: #"{"data":100}"#)
            let runningID = try #require(running.connection.head.header("x-genkit-stream-id"))
            #expect(try await running.nextFrame() == Self.countFrame(0))
            let (cancel, _) = try await httpRequest(port: port, method: "DELETE", path: "/streamy/streams/\(runningID)", body: nil)
            #expect(cancel.status == 202)
            #expect(try await running.remainingFrames().last == #"data: {"error":{"status":"CANCELLED","message":"Stream cancelled."}}"#)

            let (ready, body) = try await httpRequest(port: port, method: "GET", path: "/readyz", body: nil)
            #expect(ready.status == 200 && String(decoding: body, as: UTF8.self) == #"{"status":"ready"}"#)
        }
        #expect(try await server.stop() == 0)
    }

    @Test("a silence longer than proxy_read_timeout is cut by nginx (the control: the guide's 1 h replaced by 1 s); with the guide's it passes")
    func readTimeoutCutsSilence() async throws {
        let server = try await SampleServer.start(arguments: ["--chunk-delay-ms", "1500"])
        let complete = (0..<2).map(Self.countFrame) + [#"data: {"result":"done: 2, streamed: 2 times"}"#]
        try await Self.withNginx(upstreamPort: server.port) { port in
            let (_, frames) = try await Self.timedFrames(port: port, count: 2)
            #expect(frames.map(\.0) == complete)
        }
        let short = [("proxy_read_timeout 1h;", "proxy_read_timeout 1s;")]
        try await Self.withNginx(upstreamPort: server.port, replacing: short) { port in
            let reader = try await SSEStreamReader.open(port: port, path: "/streamy", headers: SampleServer.sse, body: #"{"data":2}"#)
            var frames: [String] = []
            do {
                while let frame = try await reader.nextFrame(timeout: .seconds(10)) { frames.append(frame) }
            } catch is TestTimeoutError {
                Issue.record("nginx did not cut the silent stream")
            } catch {
                // The connection closed before the end of the body: cut.
            }
            await reader.close()
            #expect(frames != complete, "the stream passed a 1 s proxy_read_timeout with 1.5 s of silence")
            #expect(!frames.contains { $0.contains("\"result\"") })
        }
        #expect(try await server.stop() == 0)
    }
}

/// Where nginx is, and whether the suite must run.
enum Nginx {
    static let executable = ProcessInfo.processInfo.environment["NGINX"] ?? "/usr/sbin/nginx"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }
    /// Under `CI=true` a missing nginx fails instead of skipping.
    static var isRequired: Bool { isAvailable || ProcessInfo.processInfo.environment["CI"] == "true" }
}
