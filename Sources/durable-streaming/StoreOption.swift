import ArgumentParser
import FlowStreams
import FlowStreamsSQLite
import Logging

/// The `--store` option: `sqlite:PATH` (the default, `./durable-streaming.sqlite`) or `memory`.
struct StoreOption {
    enum Kind {
        case memory
        case sqlite(path: String)
    }

    let kind: Kind

    init(_ text: String) throws {
        if text == "memory" {
            kind = .memory
        } else if text.hasPrefix("sqlite:"), text.count > "sqlite:".count {
            kind = .sqlite(path: String(text.dropFirst("sqlite:".count)))
        } else {
            throw ValidationError("--store must be sqlite:PATH or memory, not '\(text)'.")
        }
    }

    func makeManager(logger: Logger) throws -> any StreamManager {
        switch kind {
        case .memory:
            return InMemoryStreamManager()
        case .sqlite(let path):
            return try SQLiteStreamManager(path: path, logger: logger)
        }
    }
}
