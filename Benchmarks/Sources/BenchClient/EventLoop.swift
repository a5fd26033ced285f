#if canImport(Glibc)
import Glibc
#endif
import BenchSupport
import CEpoll

/// Many connections to one port on one thread (epoll, non-blocking sockets). Connections wait in a
/// queue and at most `maximumConnecting` are between connect and response head at a time, so
/// thousands can be opened without overflowing the server's accept backlog.
final class EventLoop {
    let port: UInt16
    /// Whether chunk events carry the chunk's `"t":` timestamp.
    var timestamps = false
    var maximumConnecting = 128
    /// Called for every event of every connection, with the receive time (CLOCK_MONOTONIC ns).
    var onEvent: (Connection, Connection.Event, UInt64) -> Void = { _, _, _ in }
    private(set) var open = 0
    private(set) var failedConnects = 0

    private let epoll: Int32
    private var connections: [Int32: Connection] = [:]
    private var queue: [Connection] = []
    private var queued = 0
    private var connecting = 0
    /// Numbers connections in epoll's data, so an event for a closed descriptor that was reused is ignored.
    private var serial: UInt64 = 0
    private let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 256 * 1024)
    private var events = [epoll_event](repeating: epoll_event(), count: 1024)

    init(port: UInt16) {
        self.port = port
        epoll = epoll_create1(0)
    }

    deinit {
        for fd in connections.keys { Glibc.close(fd) }
        Glibc.close(epoll)
        buffer.deallocate()
    }

    /// Queues a connection; it is opened as soon as fewer than `maximumConnecting` are connecting.
    func start(_ connection: Connection) {
        queue.append(connection)
        pump()
    }

    /// Closes a connection once the current event is handled (safe from `onEvent`).
    func closeLater(_ connection: Connection) { closing.append(connection) }
    private var closing: [Connection] = []

    /// Closes a connection (the server sees the reader go away).
    func close(_ connection: Connection) {
        guard connection.fd >= 0 else { return }
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
        Glibc.close(connection.fd)
        connections[connection.fd] = nil
        connection.fd = -1
        open -= 1
        if connection.status == 0 { connecting -= 1 }
        connection.closed { event in onEvent(connection, event, monotonicNanoseconds()) }
        pump()
    }

    /// Runs until `done()` or the deadline (CLOCK_MONOTONIC ns). - Returns: whether `done()` held.
    @discardableResult
    func run(until deadline: UInt64, _ done: () -> Bool) -> Bool {
        while !done() {
            let now = monotonicNanoseconds()
            guard now < deadline else { return false }
            poll(milliseconds: Int32(min(100, (deadline - now) / 1_000_000 + 1)))
        }
        return true
    }

    private func pump() {
        while connecting < maximumConnecting && queued < queue.count {
            let connection = queue[queued]
            queued += 1
            connect(connection)
        }
        if queued == queue.count { queue.removeAll(keepingCapacity: true); queued = 0 }
    }

    private func connect(_ connection: Connection) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { perror("socket"); failedConnects += 1; return }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = (connection.port ?? port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        connection.startedAt = monotonicNanoseconds()
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 || errno == EINPROGRESS else { perror("connect"); Glibc.close(fd); failedConnects += 1; return }
        serial += 1
        connection.fd = fd
        connection.serial = serial
        connections[fd] = connection
        open += 1
        connecting += 1
        var event = epoll_event()
        event.events = EPOLLOUT.rawValue
        event.data.u64 = serial << 32 | UInt64(UInt32(fd))
        epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event)
    }

    private func poll(milliseconds: Int32) {
        let count = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, Int32($0.count), milliseconds) }
        defer {
            for connection in closing { close(connection) }
            closing.removeAll()
        }
        guard count > 0 else { return }
        for index in 0..<Int(count) {
            let data = events[index].data.u64
            let flags = events[index].events
            guard let connection = connections[Int32(truncatingIfNeeded: data & 0xffff_ffff)],
                  connection.serial == data >> 32 else { continue }
            if connection.sent < connection.request.count {
                if flags & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { failedConnects += 1; close(connection); continue }
                send(connection)
            } else {
                receive(connection)
            }
        }
    }

    private func send(_ connection: Connection) {
        let count = connection.request.withUnsafeBytes {
            Glibc.send(connection.fd, $0.baseAddress! + connection.sent, $0.count - connection.sent, Int32(MSG_NOSIGNAL))
        }
        if count < 0 {
            if errno == EAGAIN { return }
            failedConnects += 1
            close(connection)
            return
        }
        connection.sent += count
        if connection.sent == connection.request.count {
            var event = epoll_event()
            event.events = EPOLLIN.rawValue
            event.data.u64 = connection.serial << 32 | UInt64(UInt32(connection.fd))
            epoll_ctl(epoll, EPOLL_CTL_MOD, connection.fd, &event)
        }
    }

    private func receive(_ connection: Connection) {
        let count = recv(connection.fd, buffer, 256 * 1024, 0)
        if count < 0 && errno == EAGAIN { return }
        guard count > 0 else { close(connection); return }
        let now = monotonicNanoseconds()
        let hadHead = connection.status != 0
        connection.feed(buffer, count: count, timestamps: timestamps) { event in onEvent(connection, event, now) }
        if !hadHead && connection.status != 0 {
            connecting -= 1
            pump()
        }
        if connection.isDone { close(connection) }
    }
}
