#if canImport(Glibc)
import Glibc
#endif

/// One HTTP/1.1 request and its SSE response, parsed as bytes arrive: the head, chunked (or
/// identity) transfer coding, SSE lines; each `data:` line is a chunk frame (`{"message":`) or a
/// terminal frame (`{"result":` / `{"error":`). Works on Genkit's frames too (same envelopes).
final class Connection {
    enum Event {
        case head
        /// A chunk frame; `sentAt` is its `"t":` field (the flow's CLOCK_MONOTONIC) when asked for.
        case chunk(sentAt: UInt64?)
        /// The terminal frame, or the connection ended without one.
        case end
    }

    private enum State { case head, chunkSize, chunkExtension, chunkData, chunkEnd, identity, done }

    let request: [UInt8]
    /// The caller's index for this connection.
    let tag: Int
    /// Another port than the loop's (B5 reads from a second server).
    var port: UInt16?
    var fd: Int32 = -1
    var serial: UInt64 = 0
    var sent = 0
    var startedAt: UInt64 = 0
    private(set) var status = 0
    private(set) var streamID: String?
    private(set) var chunks = 0
    /// Whether a terminal frame arrived; `error` whether it was an error frame.
    private(set) var finished = false
    private(set) var error = false
    var isDone: Bool { state == .done }

    private var state = State.head
    private var head: [UInt8] = []
    private var chunkLeft = 0
    private var line: [UInt8] = []

    init(tag: Int, path: String, body: String, headers: [String] = []) {
        self.tag = tag
        let extra = headers.map { $0 + "\r\n" }.joined()
        request = Array(("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
            + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n" + body).utf8)
    }

    /// The connection closed: report the end once.
    func closed(_ emit: (Event) -> Void) {
        guard state != .done else { return }
        state = .done
        emit(.end)
    }

    func feed(_ bytes: UnsafePointer<UInt8>, count: Int, timestamps: Bool, emit: (Event) -> Void) {
        var index = 0
        while index < count {
            switch state {
            case .head:
                head.append(bytes[index])
                index += 1
                if head.count >= 4, head[head.count - 1] == 10, head[head.count - 2] == 13,
                   head[head.count - 3] == 10, head[head.count - 4] == 13 {
                    parseHead()
                    emit(.head)
                    if status != 200 { state = .done; emit(.end); return }
                }
            case .chunkSize, .chunkExtension:
                let byte = bytes[index]
                index += 1
                if byte == 10 {
                    if chunkLeft == 0 { state = .done; emit(.end); return }
                    state = .chunkData
                } else if byte == UInt8(ascii: ";") {
                    state = .chunkExtension
                } else if state == .chunkSize, let digit = hexValue(byte) {
                    chunkLeft = chunkLeft * 16 + digit
                }
            case .chunkData:
                let take = min(chunkLeft, count - index)
                body(bytes + index, count: take, timestamps: timestamps, emit: emit)
                index += take
                chunkLeft -= take
                if chunkLeft == 0 { state = .chunkEnd }
            case .chunkEnd:
                if bytes[index] == 10 { state = .chunkSize }
                index += 1
            case .identity:
                body(bytes + index, count: count - index, timestamps: timestamps, emit: emit)
                index = count
            case .done:
                return
            }
            if finished && state != .done { state = .done; emit(.end); return }
        }
    }

    private func parseHead() {
        let text = String(decoding: head, as: UTF8.self)
        let lines = text.split(separator: "\r\n")
        if let first = lines.first, first.count >= 12 { status = Int(first.dropFirst(9).prefix(3)) ?? 0 }
        var isChunked = false
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingPrefix(" ")
            if name == "x-genkit-stream-id" { streamID = String(value) }
            if name == "transfer-encoding" && value.lowercased().contains("chunked") { isChunked = true }
        }
        state = isChunked ? .chunkSize : .identity
        head = []
    }

    private func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 48...57: return Int(byte - 48)
        case 97...102: return Int(byte - 87)
        case 65...70: return Int(byte - 55)
        default: return nil
        }
    }

    // MARK: SSE lines

    private func body(_ bytes: UnsafePointer<UInt8>, count: Int, timestamps: Bool, emit: (Event) -> Void) {
        var start = 0
        while start < count {
            guard let found = memchr(bytes + start, 10, count - start) else {
                line.append(contentsOf: UnsafeBufferPointer(start: bytes + start, count: count - start))
                return
            }
            let end = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - bytes
            if line.isEmpty {
                handleLine(UnsafeBufferPointer(start: bytes + start, count: end - start), timestamps: timestamps, emit: emit)
            } else {
                line.append(contentsOf: UnsafeBufferPointer(start: bytes + start, count: end - start))
                line.withUnsafeBufferPointer { handleLine($0, timestamps: timestamps, emit: emit) }
                line.removeAll(keepingCapacity: true)
            }
            start = end + 1
        }
    }

    private static let message = Array(#"data: {"message":"#.utf8)
    private static let result = Array(#"data: {"result":"#.utf8)
    private static let errorFrame = Array(#"data: {"error":"#.utf8)
    private static let time = Array(#""t":"#.utf8)

    private func handleLine(_ line: UnsafeBufferPointer<UInt8>, timestamps: Bool, emit: (Event) -> Void) {
        guard line.count > 7, line[0] == UInt8(ascii: "d") else { return }
        if Self.starts(line, with: Self.message) {
            chunks += 1
            emit(.chunk(sentAt: timestamps ? Self.timestamp(in: line) : nil))
        } else if Self.starts(line, with: Self.result) {
            finished = true
        } else if Self.starts(line, with: Self.errorFrame) {
            finished = true
            error = true
        }
    }

    private static func starts(_ line: UnsafeBufferPointer<UInt8>, with prefix: [UInt8]) -> Bool {
        guard line.count >= prefix.count else { return false }
        return prefix.withUnsafeBufferPointer { memcmp(line.baseAddress!, $0.baseAddress!, prefix.count) == 0 }
    }

    private static func timestamp(in line: UnsafeBufferPointer<UInt8>) -> UInt64? {
        var index = message.count
        while index + time.count <= line.count {
            if line[index] == time[0] && line[index + 1] == time[1] && line[index + 2] == time[2] && line[index + 3] == time[3] {
                var value: UInt64 = 0
                var digit = index + time.count
                while digit < line.count, line[digit] >= 48, line[digit] <= 57 {
                    value = value * 10 + UInt64(line[digit] - 48)
                    digit += 1
                }
                return value
            }
            index += 1
        }
        return nil
    }
}
