import NIOCore
import Synchronization
import TestSupport

/// What a ``withCuttingProxy(to:seed:budget:_:)`` did.
final class ProxyStats: Sendable {
    private let counts = Mutex((connections: 0, cuts: 0))
    var connections: Int { counts.withLock { $0.connections } }
    var cuts: Int { counts.withLock { $0.cuts } }
    /// Counts a new connection and returns its number (0 for the first).
    func connected() -> Int {
        counts.withLock { counts in
            defer { counts.connections += 1 }
            return counts.connections
        }
    }
    func cut() { counts.withLock { $0.cuts += 1 } }
}

/// A TCP proxy on loopback to `targetPort` that cuts connections: it forwards to the client as many bytes
/// of the server's answer as `budget` allows for that connection, then closes both sides.
/// - Parameters:
///   - targetPort: The server's port.
///   - seed: The seed of the generator handed to `budget`.
///   - budget: The bytes connection number n (0 for the first) may carry towards the client.
///   - body: The test, given the proxy's port and its statistics.
func withCuttingProxy<T: Sendable>(
    to targetPort: Int,
    seed: UInt64,
    budget: @escaping @Sendable (_ connection: Int, _ generator: inout SplitMix64) -> Int,
    _ body: (Int, ProxyStats) async throws -> T
) async throws -> T {
    let generator = Mutex(SplitMix64(seed: seed))
    let stats = ProxyStats()
    return try await withTCPListener({ client in
        let connection = stats.connected()
        let budget = generator.withLock { budget(connection, &$0) }
        let server = try await connectTCP(port: targetPort)
        try await client.executeThenClose { clientInbound, clientOutbound in
            try await server.executeThenClose { serverInbound, serverOutbound in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await buffer in clientInbound { try await serverOutbound.write(buffer) }
                    }
                    group.addTask {
                        var remaining = budget
                        for try await var buffer in serverInbound {
                            if buffer.readableBytes >= remaining {
                                if let part = buffer.readSlice(length: remaining) { try await clientOutbound.write(part) }
                                stats.cut()
                                return
                            }
                            remaining -= buffer.readableBytes
                            try await clientOutbound.write(buffer)
                        }
                    }
                    // The first direction to end (a cut, or either side closing) ends both.
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
    }, { port in try await body(port, stats) })
}
