// swift-format-ignore-file
// README.md, section "PostgreSQL: many instances, one set of streams": made by scripts/readme-snippets, do not edit.

#if PostgreSQL
import FlowStreamsHummingbird
import FlowStreamsPostgres

func readmeSnippet07() async throws {
    let streams = try PostgresStreamManager(
        clientConfiguration: .init(flowStreamsURL: "postgres://app@db:5432/app")!, logger: logger)
    var server = FlowServer(streamManager: streams, logger: logger)   // the server runs the manager
}
#endif
