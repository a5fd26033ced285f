#if canImport(Glibc)
import Glibc
#endif
import Foundation

// flowstreams-bench-client PORT CHUNKS
// One HTTP reader in its own process: starts /firehose with CHUNKS chunks, reads the stream to its
// terminal frame over a plain blocking socket, and prints "chunks seconds chunks_per_second".

let arguments = CommandLine.arguments
guard arguments.count == 3, let port = UInt16(arguments[1]), let chunks = Int(arguments[2]) else {
    FileHandle.standardError.write(Data("usage: flowstreams-bench-client PORT CHUNKS\n".utf8))
    exit(2)
}

let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
var address = sockaddr_in()
address.sin_family = sa_family_t(AF_INET)
address.sin_port = port.bigEndian
address.sin_addr.s_addr = inet_addr("127.0.0.1")
let connected = withUnsafePointer(to: &address) {
    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
}
guard connected == 0 else { perror("connect"); exit(1) }

let body = "{\"data\":\(chunks)}"
let request = "POST /firehose HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
    + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
let start = DispatchTime.now()
_ = request.withCString { send(fd, $0, strlen($0), 0) }

// Count chunk frames ({"message":) and stop at the terminal frame ({"result":), across read boundaries.
let message = Array(#"{"message":"#.utf8)
let result = Array(#"{"result":"#.utf8)
var carry: [UInt8] = []
var received = 0
var finished = false
var buffer = [UInt8](repeating: 0, count: 1 << 16)
while !finished {
    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if count <= 0 { break }
    var window = carry
    window.append(contentsOf: buffer[0..<count])
    var index = 0
    let limit = window.count - message.count
    while index <= limit {
        if window[index] == UInt8(ascii: "{") && window[index + 1] == UInt8(ascii: "\"") {
            if window[index + 2] == UInt8(ascii: "m"), Array(window[index..<index + message.count]) == message {
                received += 1
                index += message.count
                continue
            }
            if window[index + 2] == UInt8(ascii: "r"), index + result.count <= window.count,
               Array(window[index..<index + result.count]) == result {
                finished = true
                break
            }
        }
        index += 1
    }
    carry = Array(window[max(0, window.count - message.count + 1)...])
}
let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
close(fd)
guard finished, received == chunks else {
    FileHandle.standardError.write(Data("expected \(chunks) chunks and a result, got \(received), finished: \(finished)\n".utf8))
    exit(1)
}
print(received, String(format: "%.3f", seconds), String(format: "%.0f", Double(received) / seconds))
