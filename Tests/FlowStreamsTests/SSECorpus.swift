import FlowStreams
import Testing

/// One checked-in SSE input with the items a WHATWG parser must produce for it.
struct SSECorpusEntry: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: [SSEParser.Item]

    var testDescription: String { name }

    init(_ name: String, _ bytes: [UInt8], _ expected: [SSEParser.Item]) {
        self.name = name
        self.bytes = bytes
        self.expected = expected
    }

    init(_ name: String, _ text: String, _ expected: [SSEParser.Item]) {
        self.init(name, Array(text.utf8), expected)
    }
}

/// The C38 / X18 corpus: line ends, multi-line data, comments, unknown fields, ids, event types,
/// retry, byte order marks, empty data, incomplete events, invalid UTF-8 and the FlowStreams frames.
enum SSECorpus {
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    static let entries: [SSECorpusEntry] = [
        // MARK: FlowStreams and Genkit frames
        .init("FlowStreams chunk frame", "id: 3\ndata: {\"message\":\"x\"}\n\n", [
            event(#"{"message":"x"}"#, id: "3"),
        ]),
        .init("FlowStreams keep-alive comment", ": keep-alive\n\n", [.comment("keep-alive")]),
        .init("FlowStreams retry line", "retry: 1000\n", [.retry(1000)]),
        .init(
            "FlowStreams GET response",
            "retry: 1000\n\nid: 0\ndata: {\"message\":\"a\"}\n\n: keep-alive\n\nid: 1\ndata: {\"result\":null}\n\n",
            [
                .retry(1000),
                event(#"{"message":"a"}"#, id: "0"),
                .comment("keep-alive"),
                event(#"{"result":null}"#, id: "1"),
            ]
        ),
        .init(
            "Genkit part-1 frames",
            "data: {\"message\":1}\n\ndata: {\"error\":{\"status\":\"INTERNAL\",\"message\":\"boom\"}}\n\n",
            [
                event(#"{"message":1}"#),
                event(#"{"error":{"status":"INTERNAL","message":"boom"}}"#),
            ]
        ),

        // MARK: Line ends
        .init("LF line ends", "data: a\n\nevent: e\ndata: b\n\n", [event("a"), event("b", type: "e")]),
        .init("CRLF line ends", "data: a\r\n\r\nid: 9\r\ndata: b\r\n\r\n", [event("a"), event("b", id: "9")]),
        .init("CR line ends", "data: a\r\rdata: b\rdata: c\r\r", [event("a"), event("b\nc")]),
        .init(
            "mixed line ends",
            "data: a\r\ndata: b\rdata: c\n\r\ndata: x\n\rdata: y\r\n\n",
            [event("a\nb\nc"), event("x"), event("y")]
        ),
        .init("CR CR LF LF", "data: a\r\r\n\n", [event("a")]),
        .init("only line ends", "\n\r\n\r\r\n\n", []),
        .init("empty stream", "", []),

        // MARK: Fields
        .init(
            "multi-line data",
            "data: first\ndata: second\ndata:third\ndata:\n\n",
            [event("first\nsecond\nthird\n")]
        ),
        .init(
            "comments",
            ":no space\n: one space\n:  two spaces\n:\n: ends with colon:\ndata: x\n: between\n\n",
            [
                .comment("no space"), .comment("one space"), .comment(" two spaces"), .comment(""),
                .comment("ends with colon:"), .comment("between"), event("x"),
            ]
        ),
        .init(
            "unknown fields",
            "foo: bar\nDATA: no\nData: no\ndata : no\n data: no\nevents: no\nid2: 5\nretry2: 5\ndata: yes\n\n",
            [event("yes")]
        ),
        .init(
            "id, event and retry",
            "id: 7\nevent: update\nretry: 250\ndata: payload\n\n",
            [.retry(250), event("payload", id: "7", type: "update")]
        ),
        .init(
            "id persists across events and can be emptied",
            "id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid:\ndata: d\n\n",
            [event("a", id: "1"), event("b", id: "1"), event("c", id: ""), event("d", id: "")]
        ),
        .init("id set by an event without data", "id: 5\n\ndata: x\n\n", [event("x", id: "5")]),
        .init("id containing NUL is ignored", "id: 1\ndata: a\n\nid: 2\u{0}x\ndata: b\n\n", [
            event("a", id: "1"), event("b", id: "1"),
        ]),
        .init(
            "blank line resets the event type",
            "event: ping\n\ndata: x\n\nevent: a\nevent:\ndata: y\n\n",
            [event("x"), event("y")]
        ),
        .init(
            "retry values that are not all digits",
            "retry: 10a\nretry: -1\nretry:\nretry: 1 \nretry:  5\nretry: 1.5\nretry: 007\nretry\nretry: 99999999999999999999999\n",
            [.retry(7), .retry(Int.max)]
        ),
        .init("spaces after the colon", "data:  two\ndata:no\ndata: \tt\n\n", [event(" two\nno\n\tt")]),
        .init("colons in the value", "data: a:b: c\n\n", [event("a:b: c")]),

        // MARK: Empty data and incomplete input
        .init("empty data lines", "data:\n\ndata\ndata\n\ndata: \n\n", [event(""), event("\n"), event("")]),
        .init("data without colon", "data\n\n", [event("")]),
        .init("trailing incomplete event", "data: complete\n\ndata: incomplete\n", [event("complete")]),
        .init("unterminated last field line", "data: a\n\nretry: 5", [event("a")]),
        .init("unterminated last comment line", "data: a\n\n: no end", [event("a")]),
        .init("blank line without data", "event: e\nid: 2\n\n", []),

        // MARK: Byte order marks
        .init("byte order mark", byteOrderMark + Array("data: bom\n\n".utf8), [event("bom")]),
        .init("byte order mark then a blank line", byteOrderMark + Array("\ndata: z\n\n".utf8), [event("z")]),
        .init(
            "only one byte order mark is stripped",
            byteOrderMark + byteOrderMark + Array("data: x\n\ndata: y\n\n".utf8),
            [event("y")]
        ),
        .init(
            "byte order mark after the start is kept",
            Array("data: a\n\n".utf8) + byteOrderMark + Array("data: b\n\n".utf8),
            [event("a")]
        ),

        // MARK: Text encoding
        .init("multi-byte UTF-8", "data: héllo 😀 世界\nevent: ünï\nid: ü\n\n", [
            event("héllo 😀 世界", id: "ü", type: "ünï"),
        ]),
        .init(
            "invalid UTF-8",
            Array("data: ".utf8) + [0xFF, 0xC3] + Array("\nid: ".utf8) + [0xE2, 0x82] + Array("\n\n".utf8),
            [event("\u{FFFD}\u{FFFD}", id: "\u{FFFD}")]
        ),
        .init("NUL in data", "data: a\u{0}b\n\n", [event("a\u{0}b")]),
    ]

    static func event(_ data: String, id: String? = nil, type: String? = nil) -> SSEParser.Item {
        .event(ServerSentEvent(id: id, event: type, data: data))
    }
}
