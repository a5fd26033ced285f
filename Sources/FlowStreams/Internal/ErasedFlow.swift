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
                throw FlowError(status: .invalidArgument, message: ErasedFlow.describe(error, input: input))
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
    static func describe(_ error: DecodingError, input: JSONBytes) -> String {
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
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            // Foundation reports a number that does not fit its type (2.5 or 1e40 for an Int) with no
            // path and "not valid JSON"; the body was validated already, so name the number instead.
            if let numberPath = firstFractionalOrHugeNumber(in: input) {
                return "Invalid input at \(numberPath): the number does not fit the expected type."
            }
            return "Invalid input: a value does not fit the expected type."
        case .dataCorrupted(let context):
            return "Invalid input at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "Invalid input."
        }
    }

    /// The path of the first number in `input` that is not an integer, or too large for one.
    static func firstFractionalOrHugeNumber(in input: JSONBytes) -> String? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(input.bytes), options: .fragmentsAllowed) else {
            return nil
        }
        func search(_ value: Any, _ path: String) -> String? {
            switch value {
            case let object as [String: Any]:
                for key in object.keys.sorted() {
                    if let found = search(object[key]!, "\(path).\(key)") { return found }
                }
                return nil
            case let array as [Any]:
                for (index, element) in array.enumerated() {
                    if let found = search(element, "\(path)[\(index)]") { return found }
                }
                return nil
            case is Bool, is String:
                return nil
            case let number as NSNumber:
                let double = number.doubleValue
                return double.rounded() != double || abs(double) >= 9.2e18 ? path : nil
            default:
                return nil
            }
        }
        return search(value, "data")
    }
}
