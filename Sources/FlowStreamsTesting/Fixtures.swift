public import FlowStreams

/// The flows and context provider that docs/CONFORMANCE.md's items use, for any server under test.
public enum Fixtures {
    /// A chunk `{"count": i}`.
    public struct Count: Codable, Sendable, Hashable {
        public var count: Int
        public init(count: Int) { self.count = count }
    }

    /// A plain error, to show that only `FlowError`s reach the wire.
    public struct Whoops: Error, CustomStringConvertible {
        public var description: String { "whoops" }
        public init() {}
    }

    /// Input string → output `"Echo: <input>"`, no chunks.
    public static let echo = Flow<String, String, String>("echo") { input, _ in "Echo: \(input)" }

    /// A struct input, to show object inputs decode into Codable types.
    public struct Greeting: Codable, Sendable {
        public var name: String
        public var times: Int
    }

    /// `{"name": …, "times": n}` → `"Hello, <name> ×n"`.
    public static let greet = Flow<Greeting, String, String>("greet") { input, _ in
        "Hello, \(input.name) ×\(input.times)"
    }

    /// No input → `"banana"`.
    public static let void = Flow<Never?, String, String>("void") { _, _ in "banana" }

    /// Input string → chunks `"3"`, `"2"`, `"1"`, output `"Echo: <input>"`.
    public static let streamingEcho = Flow<String, String, String>("streamingEcho") { input, context in
        for chunk in ["3", "2", "1"] { try await context.sendChunk(chunk) }
        return "Echo: \(input)"
    }

    /// Input n → chunks `{"count": i}` for i < n, output `"done: n, streamed: n times"`; sleeps
    /// `delay` before each chunk.
    public static func counter(name: String = "counter", delay: Duration = .zero, throwAt: Int? = nil)
        -> Flow<Int, String, Count>
    {
        Flow(name) { count, context in
            for index in 0..<count {
                if delay > .zero { try await Task.sleep(for: delay) }
                if index == throwAt { throw Whoops() }
                try await context.sendChunk(Count(count: index))
            }
            return "done: \(count), streamed: \(count) times"
        }
    }

    /// Like `counter`, but throws a plain error at i == 3.
    public static func thrower(delay: Duration = .zero) -> Flow<Int, String, Count> {
        counter(name: "thrower", delay: delay, throwAt: 3)
    }

    /// Input `{"chunks": n, "size": s}` → n string chunks of s bytes each (`"aaa…"` numbered), output n.
    public struct BulkRequest: Codable, Sendable {
        public var chunks: Int
        public var size: Int
        public var delayMilliseconds: Int?
    }

    public static let bulk = Flow<BulkRequest, Int, String>("bulk") { request, context in
        let filler = String(repeating: "a", count: max(0, request.size - 12))
        for index in 0..<request.chunks {
            if let delay = request.delayMilliseconds, delay > 0 { try await Task.sleep(for: .milliseconds(delay)) }
            try await context.sendChunk("\(index):\(filler)")
        }
        return request.chunks
    }

    /// Throws the status error it is asked for: input `{"status": "INVALID_ARGUMENT", "message": …}`.
    public struct FailRequest: Codable, Sendable {
        public var status: String
        public var message: String
        public var chunks: Int?
    }

    public static let fail = Flow<FailRequest, String, Int>("fail") { request, context in
        for index in 0..<(request.chunks ?? 0) { try await context.sendChunk(index) }
        throw try FlowError(status: FlowStatus(name: request.status) ?? .unknown, message: request.message,
                            details: ["hint": "details survive"])
    }

    /// Input a JSON value → the same value as one chunk and as the output (null, 0, false, "" round-trip).
    public static let mirror = Flow<JSONValue, JSONValue, JSONValue>("mirror") { value, context in
        try await context.sendChunk(value)
        return value
    }

    /// Returns what the context provider gave it: `{"auth": {"user": …}}`.
    public struct AuthContext: Codable, Sendable, Hashable {
        public struct Auth: Codable, Sendable, Hashable { public var user: String }
        public var auth: Auth
    }

    public static let whoAmI = Flow<Never?, AuthContext, String>("whoAmI") { _, context in
        try context.caller.decodeContext(AuthContext.self)
    }

    /// Accepts `Authorization: open sesame` → context `{"auth": {"user": "Ali Baba"}}`, principal
    /// `"alibaba"`; anything else → `PERMISSION_DENIED "not authorized"`.
    public static let authProvider: ContextProvider = { request in
        guard request.headers[.authorization] == "open sesame" else {
            throw FlowError(status: .permissionDenied, message: "not authorized")
        }
        return try CallerContext(context: AuthContext(auth: .init(user: "Ali Baba")), principal: "alibaba")
    }

    /// `Authorization: user-<name>` → context `{"user": "<name>"}` and principal `<name>`; anything
    /// else → `PERMISSION_DENIED "not authorized"`. For ownership tests with several principals.
    public static let userProvider: ContextProvider = { request in
        guard let value = request.headers[.authorization], value.hasPrefix("user-"), value.count > 5 else {
            throw FlowError(status: .permissionDenied, message: "not authorized")
        }
        let name = String(value.dropFirst(5))
        return try CallerContext(context: ["user": name], principal: name)
    }
}
