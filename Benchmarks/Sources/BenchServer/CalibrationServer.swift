#if canImport(Glibc)
import Glibc
#endif
import BenchSupport
import Foundation

/// The reader's calibration: a blocking-socket server that answers `POST /firehose` `{"data":N}`
/// with N pre-encoded frames in HTTP chunks of 1,024 frames (the same bytes and framing as row (a)),
/// from a thread per connection. It costs the kernel's copy and little else, so the rate a reader
/// reaches against it is what the reader can take.
enum CalibrationServer {
    static func run(onServerRunning: (Int) -> Void) throws -> Never {
        let blockFrames = 1024
        let frames = (0..<blockFrames).map { firehoseFrame(index: $0) }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                _ = bind(listener, pointer, length)
                _ = listen(listener, 128)
                _ = getsockname(listener, pointer, &length)
            }
        }
        onServerRunning(Int(UInt16(bigEndian: address.sin_port)))
        let full = chunked(frames.joined())
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            Thread.detachNewThread { serve(connection, frames: frames, full: full) }
        }
    }

    static func chunked(_ data: some Collection<UInt8>) -> [UInt8] {
        Array(String(data.count, radix: 16).utf8) + [13, 10] + Array(data) + [13, 10]
    }

    static func serve(_ connection: Int32, frames: [[UInt8]], full: [UInt8]) {
        defer { close(connection) }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Read the head and the small body (it arrives with the head from our clients).
        while !(request.count > 4 && request.last == UInt8(ascii: "}")) {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            request.append(contentsOf: buffer[0..<count])
        }
        let body = request.split(separator: [13, 10, 13, 10]).last ?? []
        let count = requestedCount(body)
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        guard sendAll(connection, Array(head.utf8)) else { return }
        var left = count
        while left >= frames.count {
            guard sendAll(connection, full) else { return }
            left -= frames.count
        }
        let tail = frames[0..<left].joined() + Array(#"data: {"result":\#(count)}"#.utf8) + [10, 10]
        _ = sendAll(connection, chunked(tail) + Array("0\r\n\r\n".utf8))
    }

    static func sendAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(connection, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }
}
