/// The quoted names of the manager's tables in its schema, for SQL text. Only names checked by
/// `Tables.isIdentifier` are ever put into SQL; every value is a bound parameter.
struct Tables: Sendable {
    let schema: String
    let streams: String
    let chunks: String
    let migrations: String

    init(schema: String) {
        self.schema = "\"\(schema)\""
        streams = "\"\(schema)\".flowstreams_streams"
        chunks = "\"\(schema)\".flowstreams_chunks"
        migrations = "\"\(schema)\".flowstreams_migrations"
    }

    /// Whether `name` may be used as a schema or channel name: 1 to 48 of `[A-Za-z0-9_]`, not
    /// starting with a digit.
    static func isIdentifier(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard let first = utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), utf8.count <= 48 else {
            return false
        }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                return true
            default:
                return false
            }
        }
    }
}
