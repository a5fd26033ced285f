// The names README.md's snippets use without defining them, so that each snippet compiles as it is
// written there (scripts/readme-snippets copies the snippets next to this file). Written by hand.

import FlowStreams
import Logging

/// The logger the PostgreSQL snippet passes around ("a logger of your own").
let logger = Logger(label: "readme")

/// The second flow the Vapor snippet mounts under `/api` ("a flow of your own").
let chat = Flow("chat") { (question: String, context: FlowContext<String>) in
    try await context.sendChunk("thinking")
    return "You asked: \(question)"
}
