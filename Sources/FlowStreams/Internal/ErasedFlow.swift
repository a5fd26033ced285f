import Foundation

/// A flow with its types erased to JSON bytes, as the request handler and the runner use it.
struct ErasedFlow: Sendable {
    typealias Run = @Sendable (CallerContext, _ send: @escaping @Sendable (JSONBytes) async throws -> Void) async throws -> JSONBytes

    let name: String
    private let decode: @Sendable (JSONBytes) throws(FlowError) -> Run

    init<Input, Output, Chunk>(_ flow: Flow<Input, Output, Chunk>) {
        name = flow.name
        decode = { (input: JSONBytes) throws(FlowError) -> Run in
            let value: Input
            do {
                value = try JSONDecoder().decode(Input.self, from: Data(input.bytes))
            } catch let error as DecodingError {
                throw FlowError(status: .invalidArgument, message: ErasedFlow.describe(error))
            } catch {
                throw FlowError(status: .invalidArgument, message: "Invalid input.")
            }
            return { caller, send in
                let output = try await flow.body(value, FlowContext(caller: caller, send: send))
                return try JSONBytes(encoding: output)
            }
        }
    }

    /// Decodes the input, so a bad one is refused before any stream starts.
    /// - Throws: `INVALID_ARGUMENT` saying what did not fit.
    func prepare(input: JSONBytes) throws(FlowError) -> Run {
        try decode(input)
    }

    /// A message saying which part of the input did not fit, e.g. `Invalid input at data.name: expected String.`
    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("data") { path, key in
                if let index = key.intValue, key.stringValue == "Index \(index)" || key.stringValue == "\(index)" {
                    return "\(path)[\(index)]"
                }
                return "\(path).\(key.stringValue)"
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "Invalid input at \(path(context.codingPath)): expected \(type)."
        case .valueNotFound(let type, let context):
            return "Invalid input at \(path(context.codingPath)): expected \(type), found null."
        case .keyNotFound(let key, let context):
            return "Invalid input: missing field \(path(context.codingPath + [key]))."
        case .dataCorrupted(let context):
            return "Invalid input at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "Invalid input."
        }
    }
}
