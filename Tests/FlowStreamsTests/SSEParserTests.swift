import FlowStreams
import Foundation
import Testing
import TestSupport

@Suite("SSEParser")
struct SSEParserTests {
    // MARK: C38 — splits

    @Test("C38 frames split at every byte position parse the same", arguments: SSECorpus.entries)
    func splitsParseTheSame(entry: SSECorpusEntry) async {
        let bytes = entry.bytes
        let whole = Self.parse(bytes)
        #expect(whole.items == entry.expected)

        for cut in 0...bytes.count {
            #expect(Self.parse(bytes, cuts: [cut]) == whole, "split at \(cut)")
        }
        var threeWayMismatches = 0
        for first in 0...bytes.count {
            await Task.yield()
            for second in first...bytes.count where Self.parse(bytes, cuts: [first, second]) != whole {
                threeWayMismatches += 1
            }
        }
        #expect(threeWayMismatches == 0, "three-way splits that differ")
        #expect(Self.parse(bytes, cuts: Array(0...bytes.count)) == whole, "one byte at a time")

        var parser = SSEParser()
        let nonContiguous = parser.push(bytes.lazy.map { $0 }) + parser.finish()
        #expect(nonContiguous == whole.items, "pushed as a non-contiguous sequence")
        #expect(parser.lastEventID == whole.lastEventID)
    }

    // MARK: C37 — UTF-8 across reads

    @Test("C37 a multi-byte UTF-8 character split across reads arrives intact")
    func multiByteCharacterSplit() {
        let text = "héllo 😀 世界"
        let bytes = Array("data: \(text)\n: ç 😀\nid: 世\n\n".utf8)
        let expected: [SSEParser.Item] = [.comment("ç 😀"), SSECorpus.event(text, id: "世")]
        // A cut before a continuation byte splits a character between two reads.
        let cutsInsideCharacters = bytes.indices.filter { bytes[$0] & 0xC0 == 0x80 }
        #expect(cutsInsideCharacters.count == 1 + 3 + 2 + 2 + 1 + 3 + 2)

        for cut in cutsInsideCharacters {
            #expect(Self.parse(bytes, cuts: [cut]).items == expected, "split at \(cut)")
        }
        #expect(Self.parse(bytes, cuts: cutsInsideCharacters).items == expected, "every character split")
        #expect(Self.parse(bytes, cuts: Array(bytes.indices)).items == expected, "one byte per read")

        // The four bytes of one emoji in four reads complete nothing until the blank line.
        var parser = SSEParser()
        #expect(parser.push("data: ".utf8).isEmpty)
        for byte in "😀".utf8 {
            #expect(parser.push([byte]).isEmpty)
        }
        #expect(parser.push("\n\n".utf8) == [SSECorpus.event("😀")])
    }

    // MARK: Dispatch rules

    @Test("A blank line with an empty data buffer dispatches nothing and resets the event type")
    func emptyDataDispatchesNothing() {
        var parser = SSEParser()
        #expect(parser.push("event: ping\nid: 4\n\n".utf8).isEmpty)
        #expect(parser.lastEventID == "4")
        #expect(parser.push("data: x\n\n".utf8) == [SSECorpus.event("x", id: "4")])
        #expect(parser.push("data:\n\n".utf8) == [SSECorpus.event("", id: "4")])
    }

    @Test("An id containing U+0000 is ignored")
    func idWithNullIsIgnored() {
        var parser = SSEParser()
        #expect(parser.lastEventID == nil)
        _ = parser.push("id: 12\n".utf8)
        _ = parser.push("id: 1\u{0}3\n".utf8)
        #expect(parser.lastEventID == "12")
        #expect(parser.push("data: a\n\n".utf8) == [SSECorpus.event("a", id: "12")])
        _ = parser.push("id\n".utf8)
        #expect(parser.lastEventID == "")
    }

    @Test("A retry value with anything but ASCII digits is ignored")
    func retryNeedsDigits() {
        var parser = SSEParser()
        for line in ["retry: 1e3\n", "retry: +5\n", "retry: ٣\n", "retry:\n", "retry: 5 \n", "retry:  5\n"] {
            #expect(parser.push(line.utf8).isEmpty, "\(line)")
        }
        #expect(parser.push("retry: 0\nretry:15000\n".utf8) == [.retry(0), .retry(15_000)])
    }

    @Test("A CR at the end of one push and an LF at the start of the next end one line")
    func carriageReturnThenLineFeedAcrossPushes() {
        var parser = SSEParser()
        #expect(parser.push("data: a\r".utf8).isEmpty)
        #expect(parser.push([UInt8]()).isEmpty)  // An empty read in between changes nothing.
        #expect(parser.push("\n".utf8).isEmpty)  // Not a blank line: it completes the CR.
        #expect(parser.push("data: b\r".utf8).isEmpty)
        #expect(parser.push("\r".utf8) == [SSECorpus.event("a\nb")])  // CR CR: a blank line.
        #expect(parser.push("data: c\r".utf8).isEmpty)
        #expect(parser.push("\ndata: d\n\r\n".utf8) == [SSECorpus.event("c\nd")])
    }

    @Test("finish discards the incomplete event and keeps the last event ID")
    func finishDiscardsPendingData() {
        var parser = SSEParser()
        #expect(parser.push("id: 4\nevent: e\ndata: partial\nretry: 9".utf8).isEmpty)
        #expect(parser.finish().isEmpty)
        #expect(parser.lastEventID == "4")
        // A new stream (a reconnection) may start with a byte order mark again.
        #expect(parser.push(SSECorpus.byteOrderMark + Array("data: next\n\n".utf8)) == [SSECorpus.event("next", id: "4")])
    }

    @Test("A line longer than 16 MiB is parsed")
    func longLine() {
        let length = 17 << 20
        let read = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
        var parser = SSEParser()
        #expect(parser.push("data: ".utf8).isEmpty)
        for _ in 0..<(length >> 16) {
            #expect(parser.push(read).isEmpty)
        }
        let items = parser.push("\n\n".utf8)
        guard items.count == 1, case .event(let event) = items[0] else {
            Issue.record("expected one event, got \(items.count) items")
            return
        }
        #expect(event.data.utf8.count == length)
    }

    @Test("Pushing 1 MiB one byte at a time takes linear time", .timeLimit(.minutes(1)))
    func oneByteAtATimeIsLinear() {
        func duration(bytes count: Int) -> Duration {
            let stream = Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "y"), count: count) + Array("\n\n".utf8)
            return (0..<3).map { _ in
                ContinuousClock().measure {
                    var parser = SSEParser()
                    var events = 0
                    for index in stream.indices {
                        events += parser.push(stream[index...index]).count
                    }
                    #expect(events == 1)
                }
            }.min()!
        }
        let quarter = duration(bytes: 1 << 18)
        let full = duration(bytes: 1 << 20)
        // Linear is about 4×, quadratic about 16×.
        #expect(full < quarter * 10, "256 KiB: \(quarter), 1 MiB: \(full)")
    }

    // MARK: Helpers

    struct Parsed: Equatable {
        var items: [SSEParser.Item]
        var lastEventID: String?
    }

    /// Pushes `bytes` in the pieces between `cuts` (sorted positions), then finishes.
    static func parse(_ bytes: [UInt8], cuts: [Int] = []) -> Parsed {
        var parser = SSEParser()
        var items: [SSEParser.Item] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            items += parser.push(bytes[start..<cut])
            start = cut
        }
        items += parser.finish()
        return Parsed(items: items, lastEventID: parser.lastEventID)
    }
}

// MARK: - X18 — fuzzing

extension SSEParserTests {
    @Test("X18 the SSE parser survives fuzzing", .timeLimit(.minutes(3)))
    func fuzz() async throws {
        let seed: UInt64
        if let text = ProcessInfo.processInfo.environment["SSE_FUZZ_SEED"] {
            seed = try #require(UInt64(text) ?? UInt64(text.replacingOccurrences(of: "0x", with: ""), radix: 16))
        } else {
            seed = UInt64.random(in: .min ... .max)
        }
        print("X18 seed: \(seed)")
        var random = SplitMix64(seed: seed)
        let iterations = 100_000
        var failures = 0
        for iteration in 0..<iterations where failures < 5 {
            // Long CPU-bound loops give the two cooperative threads back now and then, so the
            // timing-sensitive HTTP tests running beside them are not starved.
            if iteration % 500 == 0 { await Task.yield() }
            let bytes = random.below(4) == 0 ? Self.randomInput(&random) : Self.mutatedInput(&random)
            var cuts = (0..<random.below(6)).map { _ in random.below(bytes.count + 1) }
            cuts.sort()
            let whole = Self.parse(bytes)
            var problems: [String] = []
            if whole != ReferenceSSE.parse(bytes) { problems.append("differs from the reference") }
            if Self.parse(bytes, cuts: cuts) != whole { problems.append("split at \(cuts) differs") }
            if iteration % 16 == 0, Self.parse(bytes, cuts: Array(bytes.indices)) != whole {
                problems.append("one byte at a time differs")
            }
            for item in whole.items where !Self.isWellFormed(item) { problems.append("malformed \(item)") }
            if !problems.isEmpty {
                failures += 1
                let hex = bytes.map { String($0, radix: 16) }.joined(separator: " ")
                Issue.record("seed \(seed) iteration \(iteration): \(problems) for bytes [\(hex)]")
            }
        }
        #expect(failures == 0)
    }

    /// No item carries a line end it could not have, and retry values are never negative.
    static func isWellFormed(_ item: SSEParser.Item) -> Bool {
        func hasLineEnd(_ text: String?) -> Bool { text?.utf8.contains { $0 == 0x0A || $0 == 0x0D } ?? false }
        switch item {
        case .event(let event): return !event.data.utf8.contains(0x0D) && !hasLineEnd(event.event) && !hasLineEnd(event.id)
        case .comment(let text): return !hasLineEnd(text)
        case .retry(let milliseconds): return milliseconds >= 0
        }
    }

    static let interestingBytes: [UInt8] =
        Array("\r\n\r\n:  dataeventidretry0123456789".utf8) + [0x00, 0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0xFF]

    static func randomInput(_ random: inout SplitMix64) -> [UInt8] {
        (0..<random.below(64)).map { _ in
            random.below(4) == 0 ? UInt8(truncatingIfNeeded: random.next()) : interestingBytes[random.below(interestingBytes.count)]
        }
    }

    static func mutatedInput(_ random: inout SplitMix64) -> [UInt8] {
        let entries = SSECorpus.entries
        var bytes = entries[random.below(entries.count)].bytes
        for _ in 0...random.below(5) {
            let position = random.below(bytes.count + 1)
            switch random.below(6) {
            case 0 where position < bytes.count:  // Flip one bit.
                bytes[position] ^= 1 << random.below(8)
            case 1:  // Insert a line end, a colon, a space, NUL or a high byte.
                let inserted: [UInt8] = [0x0D, 0x0A, 0x3A, 0x20, 0x00, 0x80 | UInt8(truncatingIfNeeded: random.next())]
                bytes.insert(inserted[random.below(inserted.count)], at: position)
            case 2:  // Truncate.
                bytes.removeSubrange(position...)
            case 3:  // Delete a range.
                let end = min(bytes.count, position + random.below(8))
                bytes.removeSubrange(position..<end)
            case 4:  // Splice in part of another entry.
                let other = entries[random.below(entries.count)].bytes
                bytes.insert(contentsOf: other.prefix(random.below(other.count + 1)), at: position)
            default:  // Duplicate a slice.
                let end = min(bytes.count, position + random.below(16))
                let slice = Array(bytes[position..<end])
                bytes.insert(contentsOf: slice, at: position)
            }
        }
        return Array(bytes.prefix(160))
    }
}

/// An independent reading of the WHATWG rules for the fuzzer: decode the whole input first, then
/// work on Unicode scalars, with none of the parser's incremental byte handling.
enum ReferenceSSE {
    static func parse(_ bytes: [UInt8]) -> SSEParserTests.Parsed {
        var scalars: [Unicode.Scalar] = []
        if bytes.allSatisfy({ $0 < 0x80 }) {
            scalars = bytes.map { Unicode.Scalar($0) }
        } else {
            // `transcode` repairs invalid UTF-8 without throwing (`String(decoding:)` throws internally,
            // which swift-testing's backtrace capture makes slow), and is not the parser's decoder.
            _ = transcode(bytes.makeIterator(), from: UTF8.self, to: UTF32.self, stoppingOnError: false) {
                scalars.append(Unicode.Scalar($0)!)
            }
        }
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var lines: [ArraySlice<Unicode.Scalar>] = []
        var lineStart = 0
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            guard scalar == "\r" || scalar == "\n" else { continue }
            lines.append(scalars[lineStart..<(index - 1)])
            if scalar == "\r", index < scalars.count, scalars[index] == "\n" { index += 1 }
            lineStart = index
        }  // The unterminated rest is discarded.

        var result = SSEParserTests.Parsed(items: [], lastEventID: nil)
        var data: [Unicode.Scalar] = []
        var type: [Unicode.Scalar] = []
        for line in lines {
            if line.isEmpty {
                if !data.isEmpty {
                    if data.last == "\n" { data.removeLast() }
                    result.items.append(.event(ServerSentEvent(id: result.lastEventID, event: type.isEmpty ? nil : string(type), data: string(data))))
                }
                data = []
                type = []
                continue
            }
            let colon = line.firstIndex(of: ":")
            var value = colon.map { line[($0 + 1)...] } ?? []
            if value.first == " " { value = value.dropFirst() }
            let name = line[..<(colon ?? line.endIndex)]
            if name.isEmpty {
                result.items.append(.comment(string(value)))
            } else if name.elementsEqual("data".unicodeScalars) {
                data += value + ["\n"]
            } else if name.elementsEqual("event".unicodeScalars) {
                type = Array(value)
            } else if name.elementsEqual("id".unicodeScalars), !value.contains("\u{0}") {
                result.lastEventID = string(value)
            } else if name.elementsEqual("retry".unicodeScalars), !value.isEmpty, value.allSatisfy({ ("0"..."9").contains($0) }) {
                result.items.append(.retry(Int(string(value)) ?? Int.max))
            }
        }
        return result
    }

    private static func string(_ scalars: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }
}
