import Foundation
import FlowStreamsWire
import SwiftProtobuf

/// A native Firestore value as an `Encodable`, so that `JSONBytes(encoding:)` writes it: the bytes
/// come out exactly as FlowStreams' canonical encoder writes the same JSON value (sorted keys,
/// `/` not escaped), whoever stored it.
///
/// Values JSON has no type for are written as protobuf's JSON mapping writes them: a timestamp as
/// an RFC 3339 string, bytes as base64, a reference as its resource name, a geo point as
/// `{"latitude","longitude"}`. NaN and the infinities become `null`, as JavaScript's
/// `JSON.stringify` (and so a Genkit JS server) writes them.
struct JSONValueWriter: Encodable {
    let value: Google_Firestore_V1_Value

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch value.valueType {
        case .nullValue, nil:
            try container.encodeNil()
        case .booleanValue(let bool):
            try container.encode(bool)
        case .integerValue(let integer):
            try container.encode(integer)
        case .doubleValue(let double):
            if double.isFinite { try container.encode(double) } else { try container.encodeNil() }
        case .stringValue(let string), .referenceValue(let string):
            try container.encode(string)
        case .bytesValue(let data):
            try container.encode(data.base64EncodedString())
        case .timestampValue(let timestamp):
            try container.encode(Self.rfc3339(timestamp))
        case .geoPointValue(let point):
            try container.encode(["latitude": point.latitude, "longitude": point.longitude])
        case .arrayValue(let array):
            try container.encode(array.values.map(JSONValueWriter.init(value:)))
        case .mapValue(let map):
            try container.encode(map.fields.mapValues(JSONValueWriter.init(value:)))
        }
    }

    /// `2026-12-02T14:06:19.123456Z`, as protobuf's JSON mapping writes a timestamp.
    static func rfc3339(_ timestamp: Google_Protobuf_Timestamp) -> String {
        let quoted = (try? timestamp.jsonString()) ?? "\"\""
        return String(quoted.dropFirst().dropLast())
    }
}
