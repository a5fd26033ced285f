public import HTTPTypes

/// What a context provider returns about the caller: the context the flow sees, and optionally a
/// principal (who is calling). Streams started with a principal belong to it.
public struct CallerContext: Sendable, Hashable {
    /// The context as JSON (for example `{"auth": {"user": "Ali Baba"}}`); `null` when there is none.
    public var context: JSONBytes
    /// Who is calling; streams this caller starts are visible only to the same principal.
    public var principal: String?

    /// No context, no principal.
    public init() {
        self.context = .null
        self.principal = nil
    }

    /// - Parameters:
    ///   - context: Any encodable value the flow may read with `decodeContext`.
    ///   - principal: Who is calling, if known.
    /// - Throws: `EncodingError` when the context cannot be encoded.
    public init(context: some Encodable, principal: String? = nil) throws {
        self.context = try JSONBytes(encoding: context)
        self.principal = principal
    }

    /// Decodes the context.
    /// - Throws: `DecodingError` when it does not fit `type`.
    public func decodeContext<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try context.decode(type)
    }
}

/// What a context provider sees of a request: method, headers (names are case-insensitive) and the
/// input JSON (`nil` on GET and DELETE, and on a resume sent without a body).
public struct ContextRequest: Sendable {
    public var method: HTTPRequest.Method
    public var headers: HTTPFields
    public var input: JSONBytes?

    public init(method: HTTPRequest.Method, headers: HTTPFields, input: JSONBytes?) {
        self.method = method
        self.headers = headers
        self.input = input
    }
}

/// Decides who is calling, on every request to a flow: starts, resumes, reads and cancels.
/// Throw a `FlowError` (for example `PERMISSION_DENIED`) to refuse the request with that status.
public typealias ContextProvider = @Sendable (ContextRequest) async throws -> CallerContext
