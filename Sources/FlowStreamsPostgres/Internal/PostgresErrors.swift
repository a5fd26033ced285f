import PostgresNIO

/// What the manager makes of postgres-nio's errors: whether retrying may help, and a description
/// that names codes only (a server's message may quote data).
enum PostgresErrors {
    /// The connection failed or closed (also when the pool closed a connection the server had
    /// ended), or the server reported a connection exception (08), operator intervention such as a
    /// restart (57), insufficient resources (53) or a transaction rollback such as a serialization
    /// failure (40).
    static func isTransient(_ error: any Error) -> Bool {
        if let error = error as? PostgresTransactionError, let cause = error.cause { return isTransient(cause) }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return true
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            return ["08", "57", "53", "40"].contains(String(state.prefix(2)))
        default:
            return false
        }
    }

    /// The error's code and SQLSTATE, never its message.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PostgresTransactionError, let cause = error.cause {
            return "PostgresTransactionError (\(describe(cause)))"
        }
        guard let error = error as? PSQLError else { return "\(type(of: error))" }
        if let state = error.serverInfo?[.sqlState] { return "PSQLError \(error.code) SQLSTATE \(state)" }
        return "PSQLError \(error.code)"
    }
}

extension PostgresTransactionError {
    /// The error that failed the transaction (its begin, its body, or its commit).
    var cause: (any Error)? { beginError ?? closureError ?? commitError }
}
