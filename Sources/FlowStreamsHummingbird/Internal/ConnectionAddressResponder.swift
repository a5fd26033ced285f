import Hummingbird
import NIOCore

/// A `FlowServer`'s responder: answers with its router (whose `BasicRequestContext` does not carry
/// the connection), the connection's remote address set in ``ConnectionAddress`` meanwhile, so a
/// flow route can name a caller without a principal for the per-client limit.
struct ConnectionAddressResponder<Router: HTTPResponder>: HTTPResponder where Router.Context == BasicRequestContext {
    /// The request context the application makes: the router's, and the connection it came on.
    struct Context: RequestContext {
        var coreContext: CoreRequestContextStorage
        let channel: any Channel

        init(source: ApplicationRequestContextSource) {
            self.coreContext = .init(source: source)
            self.channel = source.channel
        }
    }

    let router: Router

    func respond(to request: Request, context: Context) async throws -> Response {
        let source = ApplicationRequestContextSource(channel: context.channel, logger: context.logger)
        return try await ConnectionAddress.$current.withValue(context.channel.remoteAddress?.ipAddress) {
            try await router.respond(to: request, context: BasicRequestContext(source: source))
        }
    }
}

/// The remote address (`127.0.0.1`) of the connection whose request is being answered, when a
/// ``ConnectionAddressResponder`` answers it.
enum ConnectionAddress {
    @TaskLocal static var current: String?
}
