import Foundation

// flowstreams-bench-client MODE --port PORT [--server-pid PID] [options]: the load generator, a
// separate process from the server, loopback only, one thread (epoll). Each mode prints one line of
// key=value pairs for scripts/bench.
//
//   throughput --seconds S --repetitions R              B1: firehose, median chunks/s, CPU of both
//   create --chunks N                                    B3: a finished stream; prints its id
//   resume --stream-id ID --chunks N [--tail K] [--repetitions R] [--replays R]    B3
//   concurrency --streams N [--interval-ms 100] [--seconds S]                     B2
//   fanout --readers M [--interval-ms 10] [--seconds S]                           B4
//   idle --streams N --readers M                                                  memory
//   relay --reader-port PORT_B --streams K [--interval-ms 100] [--seconds S]      B5 (start on A, read on B)

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
func number(_ name: String, _ fallback: Int? = nil) -> Int {
    guard let value = option(name).flatMap({ Int($0) }) ?? fallback else { fail("\(name) is required") }
    return value
}
func seconds(_ name: String, _ fallback: Double) -> Double { option(name).flatMap { Double($0) } ?? fallback }

guard let mode = arguments.first, let port = option("--port").flatMap({ UInt16($0) }) else {
    fail("usage: flowstreams-bench-client throughput|create|resume|concurrency|fanout|idle --port PORT …")
}
let stats = ProcessStats(pid: option("--server-pid").flatMap { Int32($0) })
switch mode {
case "throughput":
    throughput(port: port, stats: stats, seconds: seconds("--seconds", 5), repetitions: number("--repetitions", 5))
case "create":
    create(port: port, chunks: number("--chunks"))
case "resume":
    guard let id = option("--stream-id") else { fail("--stream-id is required") }
    resume(port: port, streamID: id, chunks: number("--chunks"), tail: number("--tail", 10),
           repetitions: number("--repetitions", 20), replays: number("--replays", 1))
case "concurrency":
    concurrency(port: port, stats: stats, streams: number("--streams"), intervalMs: number("--interval-ms", 100),
                seconds: seconds("--seconds", 10))
case "fanout":
    fanOut(port: port, stats: stats, readers: number("--readers"), intervalMs: number("--interval-ms", 10),
           seconds: seconds("--seconds", 10))
case "relay":
    relay(port: port, readerPort: UInt16(number("--reader-port")), stats: stats, streams: number("--streams"),
          intervalMs: number("--interval-ms", 100), seconds: seconds("--seconds", 10))
case "idle":
    idleMemory(port: port, stats: stats, streams: number("--streams"), readers: number("--readers"))
default:
    fail("unknown mode \(mode)")
}
