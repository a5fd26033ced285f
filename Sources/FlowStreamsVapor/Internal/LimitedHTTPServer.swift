import FlowStreamsNIO
import NIOConcurrencyHelpers
import NIOCore
import Vapor

/// Vapor's HTTP server with the connection limits of `FlowServerConfiguration` put into it as it
/// starts: the connection count, the read deadline, the idle timeout, the header limits and the
/// keep-alive rules (``FlowConnectionPipeline``), the same handlers as on Hummingbird.
///
/// Vapor 4 offers no hook into the pipeline of the connections it accepts, and keeps its listening
/// channel private. This reads that channel by reflection (``listeningChannel(of:)``) and adds a
/// handler to it that configures each accepted connection after Vapor set it up, before it is
/// registered, and the pause after a failed accept (``AcceptErrorPause``: Vapor's listener retries at
/// once, spinning while the process is out of file descriptors). When a future Vapor stores it
/// differently, starting fails with ``VaporListenerNotFound`` rather than serving without limits.
/// Connections accepted in the moment between the bind and this are not limited.
struct LimitedHTTPServer: Server {
    let server: HTTPServer
    let limits: ConnectionLimits

    var onShutdown: EventLoopFuture<Void> { server.onShutdown }

    func start(address: BindAddress?) async throws {
        try await server.start(address: address)
        do {
            try await FlowConnectionPipeline.configureListener(
                try listeningChannel(), limits: limits, configuringConnections: true).get()
        } catch {
            await server.shutdown()
            throw error
        }
    }

    @available(*, noasync, message: "Use the async start() method instead.")
    func start(address: BindAddress?) throws {
        try server.start(address: address)
        do {
            try FlowConnectionPipeline.configureListener(
                try listeningChannel(), limits: limits, configuringConnections: true).wait()
        } catch {
            server.shutdown()
            throw error
        }
    }

    func shutdown() async { await server.shutdown() }

    @available(*, noasync, message: "Use the async shutdown() method instead.")
    func shutdown() { server.shutdown() }

    private func listeningChannel() throws(VaporListenerNotFound) -> any Channel {
        guard let channel = Self.listeningChannel(of: server) else { throw VaporListenerNotFound() }
        return channel
    }

    /// `server.connection.withLockedValue { $0?.channel }`, read by reflection (both are private).
    static func listeningChannel(of server: HTTPServer) -> (any Channel)? {
        guard let box = field("connection", of: server) as? any LockedValueBox,
              let connection = Mirror(reflecting: box.lockedValue).children.first?.value  // Optional's payload
        else { return nil }
        return field("channel", of: connection) as? any Channel
    }

    private static func field(_ label: String, of value: Any) -> Any? {
        var mirror: Mirror? = Mirror(reflecting: value)
        while let current = mirror {
            if let child = current.children.first(where: { $0.label == label }) { return child.value }
            mirror = current.superclassMirror
        }
        return nil
    }
}

/// The error of a Vapor whose listening channel cannot be found (see ``LimitedHTTPServer``).
struct VaporListenerNotFound: Error, CustomStringConvertible {
    var description: String {
        "FlowStreamsVapor cannot find the listening channel of this Vapor version's HTTPServer to put its connection limits on"
    }
}

/// A `NIOLockedValueBox` of any value, read under its lock.
private protocol LockedValueBox {
    var lockedValue: Any { get }
}

extension NIOLockedValueBox: LockedValueBox {
    fileprivate var lockedValue: Any { withLockedValue { $0 } }
}
