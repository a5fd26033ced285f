import CoreMetrics
import FlowStreams
import FlowStreamsHummingbird
import FlowStreamsTesting
import Foundation
import Hummingbird
import Synchronization

/// What `--soak` adds to the fixture server, for `scripts/soak` and the X16 test (the sample
/// server's `streamy` is mounted as `/streamy`, a counter with the chunk delay given):
/// - `POST /silence` (input: seconds): a chunk `"before"`, then silence for that long, then `"after"`
///   and the output `"silent for N s"` (X6 over HTTP);
/// - `POST /flood` (input `{"chunks": n, "size": s}`): n chunks of s bytes, as fast as storage takes them;
/// - `GET /debug/gauges`: `{"open_readers":R,"running_flows":F}`, the two metrics meters.
enum SoakRoutes {
    struct FloodRequest: Codable, Sendable {
        var chunks: Int
        var size: Int
    }

    /// Mounts `/streamy` (a chunk every `delay`), the test flows and the gauge endpoint.
    static func mount(on server: inout FlowServer, chunkDelay delay: Duration, gauges: GaugeRecorder) {
        server.addFlow(Fixtures.counter(name: "streamy", delay: delay))
        server.addFlow(Flow<Int, String, String>("silence") { seconds, context in
            try check(seconds, in: 0...3_600, "data")
            try await context.sendChunk("before")
            try await Task.sleep(for: .seconds(seconds))
            try await context.sendChunk("after")
            return "silent for \(seconds) s"
        })
        server.addFlow(Flow<FloodRequest, Int, String>("flood") { request, context in
            try check(request.chunks, in: 0...1_000_000, "data.chunks")
            try check(request.size, in: 0...(1 << 20), "data.size")
            let filler = String(repeating: "f", count: max(0, request.size - 10))
            for index in 0..<request.chunks { try await context.sendChunk("\(index):\(filler)") }
            return request.chunks
        })
        server.addRoutes { router in
            router.get("/debug/gauges") { _, _ -> Response in
                let body = #"{"open_readers":\#(gauges.value(FlowMetrics.Label.openReaders)),"running_flows":\#(gauges.value(FlowMetrics.Label.runningFlows))}"#
                return Response(status: .ok, headers: [.contentType: "application/json"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
            }
        }
    }
}

/// Refuses a number outside `range` with `INVALID_ARGUMENT` naming `field`.
private func check(_ value: Int, in range: ClosedRange<Int>, _ field: String) throws {
    guard range.contains(value) else {
        throw FlowError(status: .invalidArgument, message: "\(field) must be between \(range.lowerBound) and \(range.upperBound).")
    }
}

/// A metrics factory that keeps the current value of each meter, by label.
final class GaugeRecorder: MetricsFactory, Sendable {
    private let values = Mutex<[String: Double]>([:])

    /// The meter's current value (0 if it was never set).
    func value(_ label: String) -> Int { Int(values.withLock { $0[label] ?? 0 }) }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        Gauge(label: label, recorder: self)
    }

    func destroyMeter(_ handler: any MeterHandler) {}

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler { NOOPMetricsHandler.instance }
    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance
    }
    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler { NOOPMetricsHandler.instance }
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}

    fileprivate func update(_ label: String, _ change: (inout Double) -> Void) {
        values.withLock { change(&$0[label, default: 0]) }
    }

    private final class Gauge: MeterHandler {
        let label: String
        let recorder: GaugeRecorder

        init(label: String, recorder: GaugeRecorder) {
            self.label = label
            self.recorder = recorder
        }

        func set(_ value: Int64) { recorder.update(label) { $0 = Double(value) } }
        func set(_ value: Double) { recorder.update(label) { $0 = value } }
        func increment(by amount: Double) { recorder.update(label) { $0 += amount } }
        func decrement(by amount: Double) { recorder.update(label) { $0 -= amount } }
    }
}
