import FlowStreams
import HTTPTypes
import NIOCore
import NIOHTTP1
import Vapor

extension HTTPRequest {
    /// The framework-neutral head of a Vapor request: method, path with query, headers.
    init(_ request: Request) {
        var fields = HTTPFields()
        for (name, value) in request.headers {
            guard let fieldName = HTTPField.Name(name) else { continue }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        self.init(method: HTTPRequest.Method(request.method.rawValue) ?? .get, scheme: nil, authority: nil,
                  path: request.url.string, headerFields: fields)
    }
}

extension Response {
    /// Adapts a framework-neutral response. A streaming body is written frame by frame as it is
    /// produced (`managedAsyncStream`, which waits for each write to be flushed). Vapor runs it
    /// outside the handler's task and tells it of a disconnect only when a write fails, so a dead
    /// reader is noticed at the next chunk or keep-alive; the application's ``ResponseStreams``
    /// can cut it at shutdown.
    convenience init(flow response: FlowHTTPResponse, on request: Request) {
        var headers = HTTPHeaders()
        for field in response.headers { headers.add(name: field.name.rawName, value: field.value) }
        let status = HTTPResponseStatus(statusCode: response.status.code, reasonPhrase: response.status.reasonPhrase)
        switch response.body {
        case .bytes(let bytes):
            self.init(status: status, headers: headers, body: .init(buffer: ByteBuffer(bytes: bytes)))
        case .stream(let stream):
            // A streaming answer ends its connection, as on Hummingbird: nothing pipelined behind a
            // stream waits for it to end (the connection handlers close once it is written).
            headers.replaceOrAdd(name: .connection, value: "close")
            let streams = request.application.flowResponseStreams
            self.init(status: status, headers: headers, body: .init(managedAsyncStream: { writer in
                // Vapor flushes the head with the first body write: an empty one sends it now, before
                // a flow that starts slowly sends its first chunk (the stream id header must not wait).
                try await writer.writeBuffer(ByteBuffer())
                try await streams.run {
                    try await stream.write { bytes in try await writer.writeBuffer(ByteBuffer(bytes: bytes)) }
                }
            }))
        }
    }
}
