import CoreMetrics
import FlowStreams
import FlowStreamsHummingbird
import Foundation
import Hummingbird
import Synchronization

/// What the hidden `--test-hooks` flag adds to the sample server, for `scripts/soak` only (not part of
/// the sample's documented behaviour):
/// - `POST /silence` (input: seconds): a chunk `"before"`, then silence for that long, then `"after"`
///   and the output `"silent for N s"` (X6 over HTTP);
/// - `POST /flood` (input `{"chunks": n, "size": s}`): n chunks of s bytes, as fast as storage takes them;
/// - `GET /debug/gauges`: `{"open_readers":R,"running_flows":F}`, the two metrics meters.
enum TestHooks {
    struct FloodRequest: Codable, Sendable {
        var chunks: Int
        var size: Int
    }

    /// The configuration with every meter sent to `gauges` (other metrics go nowhere); unchanged
    /// without `gauges`.
    static func configure(_ configuration: FlowServer.Configuration, gauges: GaugeRecorder?) -> FlowServer.Configuration {
        guard let gauges else { return configuration }
        var configuration = configuration
        configuration.runner.metrics = FlowMetrics(factory: gauges)
        return configuration
    }

    /// Mounts the test flows and the gauge endpoint.
    static func mount(on server: inout FlowServer, gauges: GaugeRecorder) {
        server.addFlow(Flow<Int, String, String>("silence") { seconds, context in
            try SampleFlows.check(seconds, in: 0...3_600, "data")
            try await context.sendChunk("before")
            try await Task.sleep(for: .seconds(seconds))
            try await context.sendChunk("after")
            return "silent for \(seconds) s"
        })
        server.addFlow(Flow<FloodRequest, Int, String>("flood") { request, context in
            try SampleFlows.check(request.chunks, in: 0...1_000_000, "data.chunks")
            try SampleFlows.check(request.size, in: 0...(1 << 20), "data.size")
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
