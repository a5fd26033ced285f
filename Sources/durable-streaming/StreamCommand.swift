import ArgumentParser
import Dispatch
import FlowStreams
import FlowStreamsClient
import Foundation

/// `durable-streaming stream <url>`: the command-line client of a streaming flow.
///
/// Prints `stream id: <id>`, then each chunk's JSON on its own line as it arrives, then `result: <json>`.
/// An error prints `error: <STATUS>: <message>` to stderr and exits 1; Ctrl-C prints the command that
/// resumes the stream and exits 130.
struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Stream a flow: print its stream id, each chunk as it arrives, and its result.")

    @OptionGroup var call: FlowCallOptions

    @Option(name: .customLong("stream-id"), help: "Read this durable stream from its first chunk instead of starting a run.")
    var streamID: String?

    @Flag(help: "Fail when the connection drops, instead of resuming the stream.")
    var noAutoResume = false

    func validate() throws {
        if let streamID, StreamID(streamID) == nil {
            throw ValidationError("--stream-id must be 1 to 128 characters from A-Z, a-z, 0-9, '-' and '_'.")
        }
    }

    func run() async throws {
        var configuration = FlowClient.Configuration()
        configuration.autoResume = !noAutoResume
        let input = try call.inputJSON()
        let headers = try call.headerFields()
        let resumeID = streamID.flatMap(StreamID.init)
        do {
            try await withFlowClient(configuration: configuration) { client in
                let stream = try await client.streamFlowJSON(url: call.url, input: input, streamID: resumeID, headers: headers)
                CommandLineIO.printLine("stream id: \(stream.streamID?.rawValue ?? "none")")
                let interruption = InterruptHandler(resumeCommand: resumeCommand(stream.streamID))
                defer { interruption.cancel() }
                for try await chunk in stream.chunks {
                    CommandLineIO.printLine(String(decoding: chunk.bytes, as: UTF8.self))
                }
                let output = try await stream.output
                CommandLineIO.printLine("result: \(String(decoding: output.bytes, as: UTF8.self))")
            }
        } catch let error as FlowClientError {
            CommandLineIO.printError("error: \(error.status.name): \(error.message)")
            throw ExitCode(1)
        }
    }

    /// The command that reads the stream again, or `nil` when the server gave it no id.
    private func resumeCommand(_ id: StreamID?) -> String? {
        guard let id else { return nil }
        var words = ["durable-streaming", "stream", call.url, "--stream-id", id.rawValue]
        for header in call.headers { words += ["--header", header] }
        return words.map(CommandLineIO.shellQuoted).joined(separator: " ")
    }
}

/// On SIGINT: prints how to resume the stream to stderr and exits 130.
final class InterruptHandler {
    private let source: any DispatchSourceSignal

    init(resumeCommand: String?) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler {
            if let resumeCommand {
                CommandLineIO.printError("\ninterrupted; the flow keeps running. Resume with:\n\(resumeCommand)")
            } else {
                CommandLineIO.printError("\ninterrupted; the server gave the stream no id, it cannot be resumed.")
            }
            exit(130)
        }
        source.resume()
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// Input parsing and unbuffered output shared by the client commands.
enum CommandLineIO {
    /// Writes a line to stdout at once (so each chunk shows when it arrives, also through a pipe).
    /// Exits with 141 (as a SIGPIPE would) when stdout is closed, as when piped into `head`.
    static func printLine(_ text: String) {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data((text + "\n").utf8))
        } catch {
            exit(141)
        }
    }

    /// Writes a line to stderr.
    static func printError(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }

    /// `text` checked to be one JSON value.
    static func json(_ text: String) throws -> JSONBytes {
        let bytes = Array(text.utf8)
        guard (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil else {
            throw ValidationError("--input must be JSON, such as 5, \"hi\" or '{\"name\":\"x\"}'; got: \(text)")
        }
        return JSONBytes(unchecked: bytes)
    }

    /// `Name: value` options as a dictionary.
    static func headers(_ options: [String]) throws -> [String: String] {
        var headers: [String: String] = [:]
        for option in options {
            guard let colon = option.firstIndex(of: ":"), colon != option.startIndex else {
                throw ValidationError("--header must look like 'Name: value'; got: \(option)")
            }
            let name = option[..<colon].trimmingCharacters(in: .whitespaces)
            headers[name] = option[option.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return headers
    }

    /// `word` as one shell word: as it is when it is safe, else in single quotes.
    static func shellQuoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) || "-_./:=@%+,".unicodeScalars.contains($0)
        }
        return safe && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }
}
