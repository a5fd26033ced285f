/// The names of the HTTP header fields of the flow protocol (docs/PROTOCOL.md), lower-cased, for
/// servers and clients alike.
public enum FlowHeaders {
    /// `x-genkit-stream-id`: the id of a durable stream, sent by the server on a new run and by a
    /// client to resume.
    public static let streamID = "x-genkit-stream-id"
    /// `x-genkit-stream-offset`: the index of the first chunk of a response that resumed after `Last-Event-ID`.
    public static let streamOffset = "x-genkit-stream-offset"
    /// `x-genkit-trace-id`, on non-streaming answers.
    public static let traceID = "x-genkit-trace-id"
    /// `x-genkit-span-id`, on non-streaming answers.
    public static let spanID = "x-genkit-span-id"
    /// `x-flowstreams-sse`: `1` opts a POST into `id:` lines and keep-alive comments.
    public static let optIn = "x-flowstreams-sse"
    /// `last-event-id`: the index of the last chunk a reader has.
    public static let lastEventID = "last-event-id"
}
