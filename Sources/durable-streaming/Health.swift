import FlowStreams
import Hummingbird
import Synchronization

/// The sample's health endpoints, for load balancers and orchestrators:
/// - `GET /healthz` (liveness): `200 {"status":"ok"}` while the process serves HTTP;
/// - `GET /readyz` (readiness): `200 {"status":"ready"}` when the stream store answers a lookup of
///   an unknown stream id with not-found within ``timeout``, else
///   `503 {"status":"UNAVAILABLE","message":"…"}`.
///
/// ```swift
/// server.addRoutes(Health(streamManager: manager).routes)
/// ```
struct Health: Sendable {
    /// The store the readiness check asks.
    let streamManager: any StreamManager
    /// How long the store may take to answer. Defaults to 2 s.
    var timeout: Duration = .seconds(2)

    /// The answer of a readiness check.
    enum Readiness: Sendable, Equatable {
        case ready
        case storeFailed
        case timedOut

        var body: String {
            switch self {
            case .ready: #"{"status":"ready"}"#
            case .storeFailed: #"{"status":"UNAVAILABLE","message":"The stream store failed."}"#
            case .timedOut: #"{"status":"UNAVAILABLE","message":"The stream store did not answer in time."}"#
            }
        }
    }

    static let liveBody = #"{"status":"ok"}"#

    /// An id no stream has, in a scope no flow uses: the store must answer "not found".
    static let probeID = StreamID("flowstreams-readiness-probe")!
    static let probeScope = StreamScope(flow: "/readyz")

    /// Asks the store for an unknown stream and waits at most ``timeout`` for its "not found".
    ///
    /// A store that hangs (a database that stopped answering) does not hold the check: after the
    /// timeout the lookup is cancelled and left to end on its own.
    func check() async -> Readiness {
        let manager = streamManager
        let timeout = timeout
        let race = FirstAnswer<Readiness>()
        let readiness = await withCheckedContinuation { continuation in
            race.start(continuation, tasks: [
                Task {
                    do {
                        _ = try await manager.subscribe(Self.probeID, after: nil, in: Self.probeScope)
                        race.give(.ready)  // someone made a stream with this id: the store answered all the same
                    } catch let error as StreamManagerError where error.code == .notFound {
                        race.give(.ready)
                    } catch {
                        race.give(.storeFailed)
                    }
                },
                Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    race.give(.timedOut)
                },
            ])
        }
        race.cancelTasks()  // the loser: a timer with nothing left to time, or a lookup that took too long
        return readiness
    }

    /// Mounts `GET /healthz` and `GET /readyz` on a Hummingbird router.
    func routes(_ router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in Self.response(.ok, Self.liveBody) }
        router.get("/readyz") { _, _ in
            let readiness = await check()
            return Self.response(readiness == .ready ? .ok : .serviceUnavailable, readiness.body)
        }
    }

    static func response(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}

/// The first of several tasks' answers, given to one continuation; the other answers are dropped.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, Never>?
        var tasks: [Task<Void, Never>] = []
        var early: Value?
    }

    private let state = Mutex(State())

    /// Waits in `continuation` for the first answer of `tasks`.
    func start(_ continuation: CheckedContinuation<Value, Never>, tasks: [Task<Void, Never>]) {
        let early: Value? = state.withLock { state in
            state.tasks = tasks
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func give(_ value: Value) {
        let continuation: CheckedContinuation<Value, Never>? = state.withLock { state in
            if state.continuation == nil, state.early == nil, state.tasks.isEmpty { state.early = value }
            return state.continuation.take()
        }
        continuation?.resume(returning: value)
    }

    func cancelTasks() {
        for task in state.withLock({ $0.tasks }) { task.cancel() }
    }
}
