import FlowStreams
import FlowStreamsTesting
import Foundation
import MetricsTestKit
import TestSupport
import Testing

/// X17, cross-site requests: what a page of another site can make a browser send without asking
/// first (a "simple" request: a form, `text/plain`, no `Content-Type`) starts nothing, and CORS is
/// off unless configured, on Hummingbird and Vapor alike.
@Suite("Cross-site requests")
struct CrossSiteTests {
    static let sse = ("Accept", "text/event-stream")

    @Test("X17 flow POSTs whose body is not declared JSON get 415 INVALID_ARGUMENT and start nothing",
          arguments: Framework.allCases)
    func nonJSONBodiesAreRefused(framework: Framework) async throws {
        let metrics = TestMetrics()
        try await withFlowServer(framework: framework, configure: { $0.runner.metrics = FlowMetrics(factory: metrics) },
                                 flows: BadInputTests.mountFixtures) { port in
            let body = #"{"data":3}"#
            let contentTypes = [
                "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/jsonp", "text/json",
            ]
            for contentType in contentTypes {
                for headers in [[Self.sse], []] {
                    let answer = try await httpRequest(
                        port: port, path: "/counter", headers: headers + [("Content-Type", contentType)], body: body)
                    #expect(answer.head.status == 415, "\(contentType)")
                    let error = try FlowCallTests.errorBody(answer.body)
                    #expect(error.status == "INVALID_ARGUMENT")
                    #expect(error.message == "Content-Type must be application/json.")
                }
            }
            // No Content-Type at all (a fetch of a Blob without a type is also a simple request).
            let bare = try await HostileInputTests.exchange(port, Array(
                "POST /counter HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
            #expect(bare.text.hasPrefix("HTTP/1.1 415"), "\(bare.text.prefix(80))")
            // Not one run started: the running-flows gauge never moved.
            #expect((try? metrics.expectMeter(FlowMetrics.Label.runningFlows))?.values.isEmpty ?? true)

            // JSON, with parameters or as a +json type, is served.
            for contentType in ["application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"] {
                let answer = try await httpRequest(
                    port: port, path: "/echo", headers: [("Content-Type", contentType)], body: #"{"data":"x"}"#)
                #expect(answer.head.status == 200, "\(contentType)")
            }
        }
    }

    @Test("X17 a resume without a body or Content-Type is still accepted; one with a text/plain body is not",
          arguments: Framework.allCases)
    func bodilessResume(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: BadInputTests.mountFixtures) { port in
            let run = try await httpRequest(port: port, path: "/counter", headers: [Self.sse], body: #"{"data":2}"#)
            let id = try #require(run.head.header("x-genkit-stream-id"))
            let bodiless = try await httpRequest(
                port: port, path: "/counter", headers: [Self.sse, ("x-genkit-stream-id", id)], body: nil)
            #expect(bodiless.head.status == 200)
            #expect(bodiless.body == run.body)
            let textBody = try await httpRequest(
                port: port, path: "/counter", headers: [Self.sse, ("x-genkit-stream-id", id), ("Content-Type", "text/plain")],
                body: "{}")
            #expect(textBody.head.status == 415)
        }
    }

    @Test("X17 CORS is off by default: no CORS headers, and every preflight is refused with 403", arguments: Framework.allCases)
    func corsOffByDefault(framework: Framework) async throws {
        try await withFlowServer(framework: framework, flows: BadInputTests.mountFixtures) { port in
            let origin = ("Origin", "https://evil.example")
            for headers in [[origin], [origin, Self.sse]] {
                let answer = try await FlowCallTests.post(port, "/streamingEcho", #"{"data":"x"}"#, headers: headers)
                #expect(answer.head.status == 200)
                #expect(answer.head.header("access-control-allow-origin") == nil)
                #expect(answer.head.header("access-control-expose-headers") == nil)
            }
            let preflight = try await Self.preflight(port, origin: "https://evil.example")
            #expect(preflight.head.status == 403)
            #expect(preflight.head.header("access-control-allow-origin") == nil)
            #expect(preflight.head.header("access-control-allow-methods") == nil)
            #expect(try FlowCallTests.errorBody(preflight.body).status == "PERMISSION_DENIED")
        }
    }

    @Test("X17 CORS with an allow-list: a preflight from a listed origin is allowed, from any other refused",
          arguments: Framework.allCases)
    func corsAllowList(framework: Framework) async throws {
        try await withFlowServer(framework: framework, configure: {
            $0.cors = .allowing(origins: ["https://app.example"])
        }, flows: BadInputTests.mountFixtures) { port in
            let allowed = try await Self.preflight(port, origin: "https://app.example")
            #expect(allowed.head.status == 204)
            #expect(allowed.head.header("access-control-allow-origin") == "https://app.example")
            #expect(allowed.head.header("access-control-allow-credentials") == nil)
            for origin in ["https://evil.example", "https://app.example.evil.example", "http://app.example", "null"] {
                let refused = try await Self.preflight(port, origin: origin)
                #expect(refused.head.status == 403, "\(origin)")
                #expect(refused.head.header("access-control-allow-origin") == nil, "\(origin)")
            }
        }
    }

    /// A CORS preflight for a JSON POST with the stream headers.
    static func preflight(_ port: Int, origin: String) async throws -> (head: TestHTTPResponseHead, body: [UInt8]) {
        try await httpRequest(
            port: port, method: "OPTIONS", path: "/streamingEcho",
            headers: [
                ("Origin", origin), ("Access-Control-Request-Method", "POST"),
                ("Access-Control-Request-Headers", "content-type, x-genkit-stream-id"),
            ],
            body: nil, timeout: .seconds(10))
    }
}
