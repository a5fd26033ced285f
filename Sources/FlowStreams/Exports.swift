// The wire types (FlowError, FlowStatus, StreamID, JSONBytes, StreamOutcome, the SSE encoder and
// parser) live in FlowStreamsWire, which the client shares; `import FlowStreams` brings them too.
@_exported public import FlowStreamsWire
