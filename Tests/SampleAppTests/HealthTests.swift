import Foundation
import Testing
import TestSupport

/// `GET /healthz` (live) and `GET /readyz` (the store answers), on both frameworks.
@Suite("The sample server's health endpoints", .serialized)
struct HealthTests {
    @Test("/healthz answers 200 ok; /readyz 200 ready when the store answers a lookup (memory, SQLite, PostgreSQL when set up)", arguments: Framework.allCases)
    func liveAndReady(framework: Framework) async throws {
        let directory = try SampleServer.scratchDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // PostgreSQL too when scripts/postgres (scripts/test) set one up.
        let stores = ["memory", "sqlite:\(directory.path)/streams.sqlite"] + [PostgresTestServer.url].compactMap { $0 }
        for store in stores {
            let server = try await SampleServer.start(framework: framework, arguments: ["--store", store])
            let (liveHead, liveBody) = try await httpRequest(port: server.port, method: "GET", path: "/healthz", body: nil)
            #expect(liveHead.status == 200)
            #expect(liveHead.header("content-type") == "application/json")
            #expect(String(decoding: liveBody, as: UTF8.self) == #"{"status":"ok"}"#)
            let ready = try await server.get("/readyz")
            #expect(ready.status == 200, "\(store)")
            #expect(ready.body == #"{"status":"ready"}"#)
            #expect(try await server.stop() == 0)
        }
    }

    @Test("/readyz answers 503 within its timeout when the store does not answer (PostgreSQL nobody listens on); /healthz stays 200", arguments: Framework.allCases)
    func notReady(framework: Framework) async throws {
        let port = try await SampleServer.freePort()
        let server = try await SampleServer.start(framework: framework, arguments: ["--store", "postgres://flowstreams@127.0.0.1:\(port)/flowstreams"])
        #expect(try await server.get("/healthz").status == 200)
        let started = ContinuousClock.now
        let ready = try await server.get("/readyz", timeout: .seconds(15))
        let elapsed = ContinuousClock.now - started
        #expect(ready.status == 503)
        #expect(ready.body.hasPrefix(#"{"status":"UNAVAILABLE","message":"The stream store"#))
        #expect(elapsed < .seconds(4))
        #expect(server.process.exitStatus == nil)
        try await server.stop()
    }
}
