/// One event dispatched by an ``SSEParser``.
public struct ServerSentEvent: Sendable, Hashable {
    /// The last event ID in force when the event was dispatched (`nil` if the stream never set one;
    /// an `id` line with an empty value sets it to `""`).
    public var id: String?
    /// The event type, or `nil` for the default type (`message`).
    public var event: String?
    /// The data lines joined with `"\n"`.
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }
}

/// An incremental parser of `text/event-stream` bodies, following the WHATWG HTML
/// "event stream interpretation" rules.
///
/// Feed it bytes as they arrive, split anywhere; it returns the items each push completes.
/// Line ends may be CRLF, LF or CR (also a CR and an LF in different pushes), multi-byte characters
/// may be split across pushes, and invalid UTF-8 becomes U+FFFD.
///
/// ```swift
/// var parser = SSEParser()
/// for try await bytes in body {
///     for item in parser.push(bytes) {
///         if case .event(let event) = item { print(event.data) }
///     }
/// }
/// _ = parser.finish()
/// ```
public struct SSEParser: Sendable {
    /// What a push can complete.
    public enum Item: Sendable, Hashable {
        /// An event, dispatched by a blank line after at least one `data` line.
        case event(ServerSentEvent)
        /// A comment line (`: text`), with the one space after the colon removed.
        case comment(String)
        /// A `retry` line whose value is all ASCII digits: the reconnection time in milliseconds
        /// (clamped to `Int.max`).
        case retry(Int)
    }

    /// The last event ID buffer (WHATWG "last event ID"): set by `id` lines without U+0000, kept
    /// across events and across ``finish()``.
    public private(set) var lastEventID: String?

    /// The bytes of the current, unterminated line, when it started in an earlier push.
    private var lineBuffer: [UInt8] = []
    /// The data buffer, as UTF-8: each `data` value followed by LF.
    private var dataBuffer: [UInt8] = []
    /// The event type buffer, as UTF-8.
    private var eventTypeBuffer: [UInt8] = []
    /// The previous push ended with CR: an LF at the start of the next one ends no line.
    private var skipsLeadingLineFeed = false
    /// No line has been completed yet, so the next one may start with a byte order mark.
    private var atStreamStart = true

    public init() {}

    /// Feeds bytes as they arrive.
    ///
    /// - Parameter bytes: The next bytes of the stream, split at any position.
    /// - Returns: The items completed by these bytes, in stream order.
    @inlinable
    public mutating func push(_ bytes: some Sequence<UInt8>) -> [Item] {
        var items: [Item] = []
        let wasContiguous: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            consume(buffer, into: &items)
        }
        if wasContiguous == nil {
            Array(bytes).withUnsafeBufferPointer { buffer in
                consume(buffer, into: &items)
            }
        }
        return items
    }

    /// Ends the stream.
    ///
    /// Per WHATWG, pending data is discarded: an unterminated last line and an event without its
    /// blank line are never dispatched, so this returns no items today. The parser is then ready for
    /// a new stream (a reconnection); ``lastEventID`` is kept.
    ///
    /// - Returns: The items completed by the end of the stream (none under the WHATWG rules).
    public mutating func finish() -> [Item] {
        lineBuffer.removeAll(keepingCapacity: lineBuffer.capacity <= Self.retainedCapacity)
        dataBuffer.removeAll(keepingCapacity: dataBuffer.capacity <= Self.retainedCapacity)
        eventTypeBuffer.removeAll()
        skipsLeadingLineFeed = false
        atStreamStart = true
        return []
    }
}

// MARK: - Line splitting

extension SSEParser {
    /// Buffers larger than this are released after use rather than kept for the next line.
    private static let retainedCapacity = 1 << 16

    /// Splits `input` into lines, continuing the line left open by the previous push.
    @usableFromInline
    mutating func consume(_ input: UnsafeBufferPointer<UInt8>, into items: inout [Item]) {
        let count = input.count
        guard count > 0 else { return }
        var index = 0
        if skipsLeadingLineFeed {
            skipsLeadingLineFeed = false
            if input[0] == .lineFeed { index = 1 }
        }
        var lineStart = index
        while index < count {
            let byte = input[index]
            guard byte == .lineFeed || byte == .carriageReturn else {
                index &+= 1
                continue
            }
            let tail = UnsafeBufferPointer(rebasing: input[lineStart..<index])
            if lineBuffer.isEmpty {
                processLine(tail, into: &items)
            } else {
                lineBuffer.append(contentsOf: tail)
                processBufferedLine(into: &items)
            }
            index &+= 1
            if byte == .carriageReturn {
                if index == count {
                    skipsLeadingLineFeed = true
                } else if input[index] == .lineFeed {
                    index &+= 1
                }
            }
            lineStart = index
        }
        if lineStart < count {
            lineBuffer.append(contentsOf: UnsafeBufferPointer(rebasing: input[lineStart..<count]))
        }
    }

    private mutating func processBufferedLine(into items: inout [Item]) {
        var line: [UInt8] = []
        swap(&line, &lineBuffer)
        line.withUnsafeBufferPointer { processLine($0, into: &items) }
        line.removeAll(keepingCapacity: line.capacity <= Self.retainedCapacity)
        swap(&line, &lineBuffer)
    }
}

// MARK: - Line interpretation

extension SSEParser {
    private mutating func processLine(_ completeLine: UnsafeBufferPointer<UInt8>, into items: inout [Item]) {
        var line = completeLine
        if atStreamStart {
            atStreamStart = false
            if line.count >= 3, line[0] == 0xEF, line[1] == 0xBB, line[2] == 0xBF {
                line = UnsafeBufferPointer(rebasing: line[3...])
            }
        }
        guard let first = line.first else {
            dispatch(into: &items)
            return
        }
        if first == .colon {
            let text = Self.droppingOneSpace(UnsafeBufferPointer(rebasing: line[1...]))
            items.append(.comment(String(decoding: text, as: UTF8.self)))
            return
        }
        let name: UnsafeBufferPointer<UInt8>
        let value: UnsafeBufferPointer<UInt8>
        if let colon = line.firstIndex(of: .colon) {
            name = UnsafeBufferPointer(rebasing: line[..<colon])
            value = Self.droppingOneSpace(UnsafeBufferPointer(rebasing: line[(colon + 1)...]))
        } else {
            name = line
            value = UnsafeBufferPointer(rebasing: line[line.endIndex...])
        }
        switch name.count {
        case 4 where Self.is(name, "data"):
            dataBuffer.append(contentsOf: value)
            dataBuffer.append(.lineFeed)
        case 5 where Self.is(name, "event"):
            eventTypeBuffer.removeAll(keepingCapacity: true)
            eventTypeBuffer.append(contentsOf: value)
        case 2 where Self.is(name, "id"):
            if !value.contains(0) {
                lastEventID = String(decoding: value, as: UTF8.self)
            }
        case 5 where Self.is(name, "retry"):
            if let milliseconds = Self.decimalValue(value) {
                items.append(.retry(milliseconds))
            }
        default:
            break  // Unknown fields are ignored.
        }
    }

    private mutating func dispatch(into items: inout [Item]) {
        guard !dataBuffer.isEmpty else {
            eventTypeBuffer.removeAll(keepingCapacity: true)
            return
        }
        dataBuffer.removeLast()  // Every data line appended an LF; the last one is not part of the data.
        let event = ServerSentEvent(
            id: lastEventID,
            event: eventTypeBuffer.isEmpty ? nil : String(decoding: eventTypeBuffer, as: UTF8.self),
            data: String(decoding: dataBuffer, as: UTF8.self)
        )
        items.append(.event(event))
        dataBuffer.removeAll(keepingCapacity: dataBuffer.capacity <= Self.retainedCapacity)
        eventTypeBuffer.removeAll(keepingCapacity: true)
    }

    private static func `is`(_ name: UnsafeBufferPointer<UInt8>, _ field: StaticString) -> Bool {
        field.withUTF8Buffer { name.elementsEqual($0) }
    }

    private static func droppingOneSpace(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        guard bytes.first == .space else { return bytes }
        return UnsafeBufferPointer(rebasing: bytes[1...])
    }

    /// The value of a non-empty string of ASCII digits, clamped to `Int.max`; `nil` for anything else.
    private static func decimalValue(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        var overflowed = false
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = shifted.addingReportingOverflow(Int(byte &- UInt8(ascii: "0")))
            overflowed = overflowed || overflow1 || overflow2
            value = sum
        }
        return overflowed ? Int.max : value
    }
}

extension UInt8 {
    fileprivate static var lineFeed: UInt8 { 0x0A }
    fileprivate static var carriageReturn: UInt8 { 0x0D }
    fileprivate static var colon: UInt8 { 0x3A }
    fileprivate static var space: UInt8 { 0x20 }
}
