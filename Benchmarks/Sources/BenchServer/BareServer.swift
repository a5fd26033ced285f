import BenchSupport
import Hummingbird
import HTTPTypes
import NIOCore

/// B1 row (a), the ceiling: a bare Hummingbird SSE endpoint, no FlowStreams. `POST /firehose` with
/// `{"data":N}` writes N pre-encoded frames (the bytes FlowStreams writes for the firehose flow),
/// `framesPerWrite` to a write: 1 is an endpoint that writes each event as it comes, 1,024 (about
/// 54 KB, as much as FlowStreams coalesces) only moves bytes. Then the result frame.
enum BareServer {
    static let framesPerBlock = 1024

    static func run(framesPerWrite: Int, onServerRunning: @escaping @Sendable (Int) -> Void) async throws {
        var block = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        var frameEnds: [Int] = []
        for index in 0..<framesPerBlock {
            block.writeBytes(firehoseFrame(index: index))
            frameEnds.append(block.writerIndex)
        }
        let fullBlock = block
        let ends = frameEnds
        let frames = zip([0] + ends.dropLast(), ends).map { block.getSlice(at: $0, length: $1 - $0)! }
        let router = Router()
        router.post("/firehose") { request, _ -> Response in
            var request = request
            let count = requestedCount(try await request.collectBody(upTo: 1024).readableBytesView)
            let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]
            return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                var left = count
                if framesPerWrite == 1 {
                    for index in 0..<count - count % framesPerBlock { try await writer.write(frames[index % framesPerBlock]) }
                    left = count % framesPerBlock
                }
                while left >= framesPerBlock {
                    try await writer.write(fullBlock)
                    left -= framesPerBlock
                }
                var tail = left > 0 ? fullBlock.getSlice(at: 0, length: ends[left - 1])! : ByteBuffer()
                tail.writeString(#"data: {"result":\#(count)}"# + "\n\n")
                try await writer.write(tail)
                try await writer.finish(nil)
            })
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in onServerRunning(channel.localAddress?.port ?? 0) })
        try await app.runService()
    }
}
