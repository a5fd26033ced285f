import Foundation
import Testing
import TestSupport

/// The sample reads `PORT`, `HOST`, `FLOWSTREAMS_STORE` and `LOG_LEVEL`; a flag wins over each.
@Suite("The sample server's environment", .serialized)
struct EnvironmentTests {
    @Test("PORT, HOST and FLOWSTREAMS_STORE configure the server when no flag is given; --port, --host and --store win over them",
          arguments: [false, true])
    func environmentConfigures(flagsGiven: Bool) async throws {
        let directory = try SampleServer.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("env.sqlite").path
        let port = try await SampleServer.freePort()
        let server = try await SampleServer.start(
            defaults: flagsGiven ? ["--port", "0", "--host", "127.0.0.1", "--store", "memory"] : ["--chunk-delay-ms", "20"],
            environment: ["PORT": "\(port)", "HOST": "127.0.0.2", "FLOWSTREAMS_STORE": "sqlite:\(database)"])
        let host = flagsGiven ? "127.0.0.1" : "127.0.0.2"
        #expect((server.port == port) == !flagsGiven)
        #expect(try await server.process.waitForLine(containing: "FlowStreams listening on ", timeout: .seconds(1))
                == "FlowStreams listening on http://\(host):\(server.port)")
        let (head, _) = try await httpRequest(host: host, port: server.port, method: "GET", path: "/healthz", body: nil)
        #expect(head.status == 200)
        #expect(FileManager.default.fileExists(atPath: database) == !flagsGiven)
        #expect(try await server.stop() == 0)
    }

    @Test("LOG_LEVEL sets the log level; --log-level wins")
    func logLevel() async throws {
        let quiet = try await SampleServer.start(environment: ["LOG_LEVEL": "warning"])
        let loud = try await SampleServer.start(arguments: ["--log-level", "info"], environment: ["LOG_LEVEL": "warning"])
        _ = try await (quiet.get("/healthz"), loud.get("/healthz"))
        #expect(try await quiet.stop() == 0)
        #expect(try await loud.stop() == 0)
        #expect(!quiet.process.output.contains("chat: no model API configured"))
        #expect(loud.process.output.contains("chat: no model API configured"))
    }

    static let refusals: [(environment: [String: String], arguments: [String], message: String)] = [
        (["PORT": "http"], ["--store", "memory"], "PORT must be a port number from 0 to 65535, not 'http'"),
        (["PORT": "70000"], ["--store", "memory"], "PORT must be a port number from 0 to 65535, not '70000'"),
        (["LOG_LEVEL": "loud"], ["--store", "memory", "--port", "0"],
         "LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, not 'loud'"),
        ([:], ["--store", "memory", "--port", "0", "--log-level", "loud"],
         "--log-level must be one of trace, debug, info, notice, warning, error, critical, not 'loud'"),
        ([:], ["--store", "memory", "--port", "70000"], "--port must be a port number from 0 to 65535, not 70000"),
        (["OPENAI_BASE_URL": "ftp://models"], ["--store", "memory", "--port", "0"], "OPENAI_BASE_URL must be an http:// or https:// URL"),
        (["FLOWSTREAMS_STORE": "mysql://db"], ["--port", "0"], "FLOWSTREAMS_STORE must be sqlite:PATH, memory or postgres://"),
    ]

    @Test("a malformed variable or flag stops the server at once with a sentence naming it")
    func refusals() async throws {
        for refusal in Self.refusals {
            let process = try await ChildProcess.start(
                product: "durable-streaming", arguments: ["serve"] + refusal.arguments,
                environment: SampleServer.cleanEnvironment.merging(refusal.environment) { _, new in new })
            let status = try await process.waitForExit(timeout: .seconds(20))
            #expect(status != 0, "\(refusal)")
            #expect(process.output.contains(refusal.message), "\(refusal): \(process.output)")
        }
    }

    @Test("a malformed PORT is ignored when --port is given")
    func flagOverridesBadVariable() async throws {
        let server = try await SampleServer.start(environment: ["PORT": "http"])
        #expect(try await server.get("/healthz").status == 200)
        #expect(try await server.stop() == 0)
    }
}
