// swift-format-ignore-file
// README.md, section "Vapor": made by scripts/readme-snippets, do not edit.

#if Vapor
import FlowStreams
import FlowStreamsVapor
import Vapor

func readmeSnippet06() async throws {
    let app = try await Application.make(.detect())
    let manager = InMemoryStreamManager()
    let runner = FlowRunner(logger: app.logger)
    app.addFlow(streamy, options: .init(streamManager: manager, runner: runner))  // POST /streamy, GET and DELETE /streamy/streams/:id
    app.grouped("api").addFlow(chat, bodyLimit: 4 << 20)                         // POST /api/chat, plain streaming
    app.lifecycle.use(FlowLifecycle(runner: runner, streamManager: manager, logger: app.logger))
    try await app.execute()
    try await app.asyncShutdown()   // gives running flows the runner's grace period
}
#endif
