import TestSupport

/// One X16 client: starts a `streamy` run of `chunkCount` chunks, closes its socket at random points
/// (`cuts`: how many chunks it holds when it hangs up), resumes each time, with `Last-Event-ID` or
/// without (then checks that the replay is identical to what it already had), until the result.
///
/// The frames are the opt-in format (`x-flowstreams-sse: 1`): `id: <index>\ndata: <json>`.
struct ResumingClient: Sendable {
    /// What one client did.
    struct Report: Sendable {
        var disconnects = 0
        var resumes = 0
        /// Connections that broke without the client closing them (each is resumed like a disconnect).
        var unplannedDrops = 0
        /// Why the client failed, or `nil` when it ended with exactly its chunks and the result.
        var failure: String?
    }

    let port: Int
    let chunkCount: Int
    let cuts: [Int]
    /// Per resume: whether it sends `Last-Event-ID`.
    let useLastEventID: [Bool]
    /// How long one connection may wait for its head or its next frame.
    let frameTimeout: Duration

    /// Draws a client: 50–200 chunks, `minimumDisconnects` to `minimumDisconnects + 2` cut points.
    init(port: Int, minimumDisconnects: Int, frameTimeout: Duration, using generator: inout SplitMix64) {
        self.port = port
        self.frameTimeout = frameTimeout
        let count = 50 + generator.below(151)
        let disconnects = minimumDisconnects + generator.below(3)
        chunkCount = count
        cuts = (0..<disconnects).map { _ in generator.below(count) }.sorted()
        useLastEventID = (0..<disconnects + 20).map { _ in generator.below(2) == 0 }
    }

    func run() async -> Report {
        var report = Report()
        var held: [String] = []     // the frames of chunks 0, 1, … received so far
        var streamID: String?
        var nextCut = 0
        while true {
            if report.unplannedDrops > 20 {
                report.failure = "more than 20 unplanned drops"
                return report
            }
            let lastEventID = streamID != nil && useLastEventID[min(report.resumes, useLastEventID.count - 1)]
                ? held.count - 1 : nil
            do {
                let reader = try await open(streamID: streamID, lastEventID: lastEventID)
                if streamID != nil { report.resumes += 1 }
                streamID = streamID ?? reader.connection.head.header("x-genkit-stream-id")
                let ended = try await read(reader, lastEventID: lastEventID, held: &held) { heldCount in
                    guard nextCut < cuts.count, heldCount >= cuts[nextCut] else { return false }
                    nextCut += 1
                    return true
                }
                if ended { return report }
                await reader.close(reset: Bool.random())
                report.disconnects += 1
            } catch let failure as Failure {
                report.failure = failure.message
                return report
            } catch {
                report.unplannedDrops += 1
            }
        }
    }

    // MARK: One connection

    struct Failure: Error {
        var message: String
    }

    private func open(streamID: String?, lastEventID: Int?) async throws -> SSEStreamReader {
        var headers = [("x-flowstreams-sse", "1")]
        if let streamID { headers.append(("x-genkit-stream-id", streamID)) }
        if let lastEventID { headers.append(("Last-Event-ID", String(lastEventID))) }
        let reader = try await SSEStreamReader.open(port: port, path: "/streamy", headers: headers,
                                                    body: #"{"data":\#(chunkCount)}"#, timeout: frameTimeout)
        let head = reader.connection.head
        guard head.status == 200 else { throw Failure(message: "status \(head.status)") }
        guard head.header("x-genkit-stream-id") != nil, streamID == nil || head.header("x-genkit-stream-id") == streamID
        else { throw Failure(message: "stream id \(head.header("x-genkit-stream-id") ?? "missing")") }
        if let lastEventID, head.header("x-genkit-stream-offset") != String(lastEventID + 1) {
            throw Failure(message: "offset \(head.header("x-genkit-stream-offset") ?? "missing") after \(lastEventID)")
        }
        return reader
    }

    /// Reads frames into `held` until the terminal frame (returns `true`) or until `hangUp` says so
    /// (checked after the head and after each new chunk; returns `false`).
    private func read(
        _ reader: SSEStreamReader, lastEventID: Int?, held: inout [String], hangUp: (Int) -> Bool
    ) async throws -> Bool {
        var position = lastEventID.map { $0 + 1 } ?? 0
        if position >= held.count, hangUp(held.count) { return false }
        while true {
            guard let frame = try await reader.nextFrame(timeout: frameTimeout) else {
                throw SSEEnded()  // the body ended without a terminal frame: resume
            }
            if frame.hasPrefix(":") { continue }  // keep-alive comment
            let (id, data) = Self.split(frame)
            guard id == position else { throw Failure(message: "frame id \(id.map(String.init) ?? "none"), expected \(position)") }
            if data.hasPrefix(#"{"message":"#) {
                guard data == #"{"message":{"count":\#(position)}}"# else { throw Failure(message: "chunk \(position) is \(data)") }
                if position < held.count {
                    guard frame == held[position] else { throw Failure(message: "replayed chunk \(position) differs") }
                    position += 1
                } else {
                    held.append(frame)
                    position += 1
                    if hangUp(held.count) { return false }
                }
            } else {
                let expected = #"{"result":"done: \#(chunkCount), streamed: \#(chunkCount) times"}"#
                guard data == expected, position == chunkCount, held.count == chunkCount else {
                    throw Failure(message: "terminal \(data) at \(position) with \(held.count) of \(chunkCount) chunks")
                }
                return true
            }
        }
    }

    struct SSEEnded: Error {}

    /// `id: 3\ndata: {...}` → (3, `{...}`).
    static func split(_ frame: String) -> (id: Int?, data: String) {
        var id: Int?
        var data = ""
        for line in frame.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("id: ") { id = Int(line.dropFirst(4)) }
            if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
        }
        return (id, data)
    }
}
