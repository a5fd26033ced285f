import FlowStreamsFirestore
import FlowStreamsWire
import Foundation
import Testing
import TestSupport

@Suite("Firestore values ⇄ JSON bytes")
struct FirestoreJSONTests {
    @Test("fuzzed JSON → Firestore value → JSON bytes equals the canonical encoding, from canonical and loose text")
    func fuzzedRoundTrip() throws {
        let seed = UInt64(ProcessInfo.processInfo.environment["FLOWSTREAMS_FUZZ_SEED"] ?? "") ?? UInt64.random(in: 0...UInt64.max)
        var random = SplitMix64(seed: seed)
        for iteration in 0..<2_000 {
            let json = RandomJSON.make(&random)
            let canonical = try JSONBytes(encoding: json)
            let fromCanonical = try FirestoreJSON.json(from: try FirestoreJSON.value(from: canonical))
            #expect(fromCanonical == canonical, "seed \(seed), iteration \(iteration): \(String(decoding: canonical.bytes, as: UTF8.self))")
            let loose = JSONBytes(unchecked: Array(json.looseText().utf8))
            let fromLoose = try FirestoreJSON.json(from: try FirestoreJSON.value(from: loose))
            #expect(fromLoose == canonical, "seed \(seed), iteration \(iteration): \(json.looseText())")
        }
    }

    @Test("numbers: integers stay integers, others are doubles, -0 is the double negative zero")
    func numbers() throws {
        let cases: [(String, Google_Firestore_V1_Value.OneOf_ValueType)] = [
            ("42", .integerValue(42)), ("-9223372036854775808", .integerValue(.min)),
            ("1.5", .doubleValue(1.5)), ("1e3", .doubleValue(1000)), ("-0", .doubleValue(-0.0)),
        ]
        for (text, expected) in cases {
            let value = try FirestoreJSON.value(from: JSONBytes(unchecked: Array(text.utf8)))
            #expect(value.valueType == expected, "\(text)")
        }
        let doubleOne = Google_Firestore_V1_Value.with { $0.doubleValue = 1 }
        #expect(try FirestoreJSON.json(from: doubleOne) == JSONBytes(unchecked: Array("1".utf8)))
    }

    @Test("objects map to map values, arrays to array values, and back with sorted keys and / unescaped")
    func structure() throws {
        let text = #"{"b":[1,"x\/y",{"c":null}],"a":true}"#
        let value = try FirestoreJSON.value(from: JSONBytes(unchecked: Array(text.utf8)))
        let fields = try #require(value.mapFieldsIfSet)
        #expect(fields["a"] == .boolean(true))
        let array = try #require(fields["b"]?.arrayValuesIfSet)
        #expect(array == [.integer(1), .string("x/y"), .map(["c": .null])])
        #expect(try FirestoreJSON.json(from: value).bytes == Array(#"{"a":true,"b":[1,"x/y",{"c":null}]}"#.utf8))
    }

    @Test("values JSON has no type for are written as protobuf's JSON mapping writes them; NaN becomes null")
    func nonJSONValues() throws {
        let value = Google_Firestore_V1_Value.map([
            "bytes": .bytes([1, 2, 3]),
            "time": .with { $0.timestampValue = .init(seconds: 1_700_000_000, nanos: 123_000_000) },
            "nan": .with { $0.doubleValue = .nan },
            "ref": .with { $0.referenceValue = "projects/p/databases/(default)/documents/c/d" },
        ])
        let text = String(decoding: try FirestoreJSON.json(from: value).bytes, as: UTF8.self)
        #expect(text == #"{"bytes":"AQID","nan":null,"ref":"projects/p/databases/(default)/documents/c/d","time":"2023-11-14T22:13:20.123Z"}"#)
    }

    @Test("JSON Firestore cannot store natively is refused with a clear code, never changed")
    func unstorable() {
        let cases = [
            "[[1]]", #"{"":1}"#, #"{"__name__":1}"#, #"{"a":1,"a":2}"#, "18446744073709551616", "1e400",
            String(repeating: "[{\"a\":", count: 11) + "1" + String(repeating: "}]", count: 11),
        ]
        for text in cases {
            expectFirestoreError(.unstorableValue) { try FirestoreJSON.value(from: JSONBytes(unchecked: Array(text.utf8))) }
        }
        #expect(throws: Never.self) { _ = try FirestoreJSON.value(from: JSONBytes(unchecked: Array(#"[{"a":[1]}]"#.utf8))) }
    }

    @Test("bytes that are not one JSON value are refused as invalid JSON")
    func invalidJSON() {
        let cases: [[UInt8]] = [
            Array("".utf8), Array("[1,]".utf8), Array("{\"a\" 1}".utf8), Array("01".utf8), Array("1 2".utf8),
            Array(#""\ud800""#.utf8), Array("\"a\u{01}\"".utf8), [0x22, 0xFF, 0x22], Array("nul".utf8), Array("-".utf8),
        ]
        for bytes in cases {
            expectFirestoreError(.invalidJSON) { try FirestoreJSON.value(from: JSONBytes(unchecked: bytes)) }
        }
    }
}
