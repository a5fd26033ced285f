import FlowStreams
import FlowStreamsClient
import Glibc
import TestSupport
import Testing

/// How the client and the CLI report a server they cannot reach (issue 17): a sentence naming the
/// server and the cause, not a wrapped NIO description.
@Suite("Client connect errors")
struct ConnectErrorTests {
    @Test("C33 a refused connection is UNAVAILABLE \"could not connect to 127.0.0.1:PORT (connection refused)\"")
    func refusedConnection() async throws {
        let port = try closedPort()
        try await withTestClient { client in
            let error = try await #require(throws: FlowClientError.self) {
                try await client.runFlow(url: "http://127.0.0.1:\(port)/echo", input: "hi", output: String.self)
            }
            #expect(error.code == .connectionFailed)
            #expect(error.status == .unavailable)
            #expect(error.message == "could not connect to 127.0.0.1:\(port) (connection refused)")
            #expect("\(error)" == "UNAVAILABLE: could not connect to 127.0.0.1:\(port) (connection refused)")
        }
    }

    @Test("C33 a URL that is not http or https is INVALID_ARGUMENT naming the URL")
    func notAnHTTPURL() async throws {
        try await withTestClient { client in
            for url in ["ftp://127.0.0.1/echo", "127.0.0.1:3400/echo"] {
                let error = try await #require(throws: FlowClientError.self) {
                    try await client.runFlow(url: url, input: "hi", output: String.self)
                }
                #expect(error.code == .connectionFailed, "\(url)")
                #expect(error.status == .invalidArgument, "\(url)")
                #expect(error.message == "\(url) is not an http or https URL.")
            }
        }
    }

    @Test("C36 resuming a stream whose server is gone gives up after the attempt limit and names the last cause")
    func resumeOnAGoneServer() async throws {
        let port = try closedPort()
        let id = try #require(StreamID("0b0e5f7e-1111-4222-8333-444455556666"))
        try await withTestClient(configure: { $0.maxResumeAttempts = 3 }) { client in
            let error = try await #require(throws: FlowClientError.self) {
                let stream: FlowStream<Int, String> = try await client.streamFlow(
                    url: "http://127.0.0.1:\(port)/f", input: 1, streamID: id)
                for try await _ in stream.chunks {}
                _ = try await stream.output
            }
            #expect(error.code == .connectionLost)
            #expect(error.message == "The stream could not be resumed: 3 attempts in a row brought no new chunk"
                + " (the last: could not connect to 127.0.0.1:\(port) (connection refused)).")
        }
    }

    @Test("C33 durable-streaming run against a port nobody listens on prints the sentence and exits 1")
    func commandLineRefused() async throws {
        let port = try closedPort()
        let process = try await ChildProcess.start(
            product: "durable-streaming", arguments: ["run", "http://127.0.0.1:\(port)/echo", "--input", #""hi""#])
        #expect(try await process.waitForExit(timeout: .seconds(30)) == 1)
        #expect(
            process.output.contains("error: UNAVAILABLE: could not connect to 127.0.0.1:\(port) (connection refused)"),
            "\(process.output)")
    }

    /// A loopback port that was free a moment ago and that nobody listens on.
    private func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
