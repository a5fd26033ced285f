import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Glibc
import TestSupport
import Testing

/// `durable-streaming stream` and `durable-streaming run`, run as child processes against a live server.
@Suite("Command-line client")
struct CommandLineTests {
    @Test("C34 durable-streaming stream prints the stream id, each chunk, then the result, and exits 0")
    func streamCounter() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let process = try await ChildProcess.start(
                product: "durable-streaming", arguments: ["stream", "http://127.0.0.1:\(port)/counter", "--input", "3"])
            #expect(try await process.waitForExit(timeout: .seconds(30)) == 0, "\(process.output)")
            let lines = process.stdoutLines
            #expect(lines.count == 5, "\(process.output)")
            let id = try #require(lines.first?.wholeMatch(of: /stream id: ([0-9a-f-]{36})/)?.1)
            #expect(StreamID(id) != nil)
            #expect(Array(lines.dropFirst()) == [
                #"{"count":0}"#, #"{"count":1}"#, #"{"count":2}"#, #"result: "done: 3, streamed: 3 times""#,
            ])
        }
    }

    @Test("C35 durable-streaming stream with an unknown --stream-id prints NOT_FOUND and exits non-zero")
    func streamUnknownID() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter()) }) { port in
            let process = try await ChildProcess.start(
                product: "durable-streaming",
                arguments: ["stream", "http://127.0.0.1:\(port)/counter", "--stream-id", "no-such-stream"])
            let status = try await process.waitForExit(timeout: .seconds(30))
            #expect(status != 0)
            #expect(process.output.contains("error: NOT_FOUND: Stream not found."), "\(process.output)")
        }
    }

    @Test("C40 durable-streaming stream prints an error frame's status and message and exits non-zero")
    func streamErrorFrame() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.thrower()) }) { port in
            let process = try await ChildProcess.start(
                product: "durable-streaming", arguments: ["stream", "http://127.0.0.1:\(port)/thrower", "--input", "5"])
            #expect(try await process.waitForExit(timeout: .seconds(30)) == 1)
            #expect(process.stdoutLines.count == 4, "\(process.output)")
            #expect(process.output.contains("error: INTERNAL: Internal Error"), "\(process.output)")
        }
    }

    @Test("C20 Ctrl-C prints the command that resumes the stream and exits 130; that command finishes it")
    func interruptThenResume() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.counter(delay: .milliseconds(50))) }) { port in
            let url = "http://127.0.0.1:\(port)/counter"
            let process = try await ChildProcess.start(product: "durable-streaming", arguments: ["stream", url, "--input", "20"])
            let idLine = try await process.waitForLine(containing: "stream id: ", timeout: .seconds(30))
            let id = String(idLine.dropFirst("stream id: ".count))
            _ = try await process.waitForLine(containing: #"{"count":1}"#, timeout: .seconds(30))
            process.signal(SIGINT)
            #expect(try await process.waitForExit(timeout: .seconds(10)) == 130)
            #expect(process.output.contains("durable-streaming stream \(url) --stream-id \(id)"), "\(process.output)")

            let resumed = try await ChildProcess.start(
                product: "durable-streaming", arguments: ["stream", url, "--stream-id", id])
            #expect(try await resumed.waitForExit(timeout: .seconds(30)) == 0, "\(resumed.output)")
            #expect(resumed.stdoutLines.count == 22, "\(resumed.output)")
            #expect(resumed.stdoutLines.last == #"result: "done: 20, streamed: 20 times""#)
        }
    }

    @Test("C33 durable-streaming run prints the result JSON; an error prints its status and exits non-zero")
    func run() async throws {
        try await withFlowServer(flows: { $0.addFlow(Fixtures.echo) }) { port in
            let process = try await ChildProcess.start(
                product: "durable-streaming", arguments: ["run", "http://127.0.0.1:\(port)/echo", "--input", #""hi""#])
            #expect(try await process.waitForExit(timeout: .seconds(30)) == 0, "\(process.output)")
            #expect(process.stdoutLines == [#""Echo: hi""#])

            let failing = try await ChildProcess.start(
                product: "durable-streaming", arguments: ["run", "http://127.0.0.1:\(port)/echo", "--input", "5"])
            #expect(try await failing.waitForExit(timeout: .seconds(30)) == 1)
            #expect(failing.output.contains("error: INVALID_ARGUMENT: "), "\(failing.output)")
        }
    }
}
