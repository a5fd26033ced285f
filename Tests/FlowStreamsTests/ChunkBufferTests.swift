@testable import FlowStreams
import Testing

@Suite("Write buffer")
struct ChunkBufferTests {
    /// A producer that must wait races the consumer emptying the buffer; a lost wake-up there once
    /// stalled streams of 10^6 chunks. Small limits make the race happen thousands of times.
    @Test("every chunk passes a small buffer in order, with producer and consumer racing (no lost wake-up)",
          .timeLimit(.minutes(3)))
    func producerConsumerRace() async throws {
        let count = 200_000
        let buffer = ChunkBuffer(limits: .init(chunks: 4, bytes: 1 << 20, chunkBytes: 1 << 20))
        let chunks = (0..<16).map { JSONBytes(unchecked: Array(String($0).utf8)) }
        async let received: [Int] = {
            var seen: [Int] = []
            seen.reserveCapacity(count)
            while case .chunks(let batch) = await buffer.take() {
                seen.append(contentsOf: batch.map { Int(String(decoding: $0.bytes, as: UTF8.self))! })
            }
            return seen
        }()
        for index in 0..<count { try await buffer.append(chunks[index % 16]) }
        buffer.close()
        let seen = await received
        #expect(seen.count == count)
        #expect(seen == (0..<count).map { $0 % 16 })
    }

    @Test("a chunk over the limit is refused with RESOURCE_EXHAUSTED and remembered")
    func oversizedChunk() async throws {
        let buffer = ChunkBuffer(limits: .init(chunks: 4, bytes: 1024, chunkBytes: 8))
        await #expect(throws: FlowError.chunkTooLarge) { try await buffer.append(JSONBytes(unchecked: Array("\"123456789\"".utf8))) }
        #expect(buffer.exceededLimit == .chunkTooLarge)
    }
}
