import FlowStreams
import FlowStreamsClient
import Testing
import TestSupport

/// docs/CONFORMANCE.md C37 and C38 through the client: handwritten answers split across network writes.
/// (X18, the parser's fuzzing, lives with the parser in FlowStreamsTests.)
@Suite("FlowClient framing")
struct FramingTests {
    /// A stream using every rule of the format: CRLF, CR and LF line ends, comments, `id:`/`event:`/`retry:`
    /// and unknown fields, multi-line `data:`, `data:` without a space, and multi-byte characters.
    static let body = Array((
        ": hello\r\n\r\n"
        + "id: 0\r\ndata: {\"message\":{\"text\":\"zero\"}}\r\n\r\n"
        + "event: message\rfoo: bar\rdata: {\"message\":\rdata: {\"text\":\"one\"}}\r\r"
        + "retry: 1000\nid: 2\ndata:{\"message\":{\"text\":\"h\u{E9} \u{2713} \u{1F600}\"}}\n\n"
        + ": keep-alive\n\n"
        + "data: {\"result\":\"d\u{F6}ne\"}\n\n"
    ).utf8)

    static let expectedChunks = ["zero", "one", "h\u{E9} \u{2713} \u{1F600}"]

    struct Text: Codable, Sendable, Equatable { var text: String }

    /// Streams `body` from a raw server, split at `positions`, and returns what the client read.
    private func read(splitAt positions: [Int]) async throws -> (chunks: [String], output: String) {
        try await withRawHTTPServer({ _, writer in
            try await writer.writeSSEHead(extraHeaders: ["x-genkit-stream-id": "framing"])
            try await writer.write(Self.body, splitAt: positions)
        }) { port, _ in
            try await withTestClient(configure: { $0.autoResume = false }) { client in
                let stream: FlowStream<Text, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/f", input: 0)
                var chunks: [String] = []
                for try await chunk in stream.chunks { chunks.append(chunk.text) }
                return (chunks, try await stream.output)
            }
        }
    }

    @Test("C37 a multi-byte UTF-8 character split across network reads arrives intact")
    func utf8SplitAcrossReads() async throws {
        let emoji = Array("\u{1F600}".utf8)
        let start = try #require(Self.body.firstRange(of: emoji)).lowerBound
        let accent = try #require(Self.body.firstRange(of: Array("\u{E9}".utf8))).lowerBound
        let result = try await read(splitAt: [accent + 1, start + 1, start + 2, start + 3])
        #expect(result.chunks == Self.expectedChunks)
        #expect(result.output == "d\u{F6}ne")
    }

    @Test("C38 frames split at every byte position parse the same (CRLF, CR, LF, multi-line data, comments, unknown fields)")
    func everySplitPosition() async throws {
        for position in 1..<Self.body.count {
            let result = try await read(splitAt: [position])
            #expect(result.chunks == Self.expectedChunks, "split at \(position)")
            #expect(result.output == "d\u{F6}ne", "split at \(position)")
        }
    }

    @Test("C38 one byte per network write")
    func byteByByte() async throws {
        let result = try await read(splitAt: Array(1..<Self.body.count))
        #expect(result.chunks == Self.expectedChunks)
        #expect(result.output == "d\u{F6}ne")
    }

    @Test("C40 Genkit's error line (error: instead of data:, without the closing blank line) surfaces as the error")
    func genkitErrorLine() async throws {
        let failure = #"error: {"error":{"message":"whoops","status":"INTERNAL","details":{"stack":"..."}}}"#
        try await withRawHTTPServer({ _, writer in
            try await writer.writeSSEHead()
            try await writer.write("data: {\"message\": {\"text\": \"a\"}}\n\n" + failure)
        }) { port, _ in
            try await withTestClient { client in
                let stream: FlowStream<Text, String> = try await client.streamFlow(url: "http://127.0.0.1:\(port)/f", input: 0)
                let (chunks, outcome) = await drain(stream)
                #expect(chunks == [Text(text: "a")])
                let error = try #require(outcome.failure as? FlowClientError)
                #expect(error.status == .internal)
                #expect(error.message == "whoops")
                #expect(try error.details?.decode([String: String].self) == ["stack": "..."])
            }
        }
    }
}
