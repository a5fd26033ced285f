// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The heavy integrations are package traits, all on by default. A package that names the traits it
/// wants (`traits: []` for none) does not resolve or build the others' dependencies (README, "Add
/// the dependency").
let vapor: TargetDependencyCondition? = .when(traits: ["Vapor"])
let postgres: TargetDependencyCondition? = .when(traits: ["PostgreSQL"])
let firestore: TargetDependencyCondition? = .when(traits: ["Firestore"])

let package = Package(
    name: "flowstreams",
    // Synchronization's Mutex sets the floor: macOS 15, iOS 18, tvOS 18, watchOS 11, visionOS 2.
    platforms: [.macOS(.v15), .iOS(.v18), .tvOS(.v18), .watchOS(.v11), .visionOS(.v2)],
    products: [
        .library(name: "FlowStreamsWire", targets: ["FlowStreamsWire"]),
        .library(name: "FlowStreams", targets: ["FlowStreams"]),
        .library(name: "FlowStreamsSQLite", targets: ["FlowStreamsSQLite"]),
        .library(name: "FlowStreamsHummingbird", targets: ["FlowStreamsHummingbird"]),
        .library(name: "FlowStreamsPostgres", targets: ["FlowStreamsPostgres"]),
        .library(name: "FlowStreamsVapor", targets: ["FlowStreamsVapor"]),
        .library(name: "FlowStreamsFirestore", targets: ["FlowStreamsFirestore"]),
        .library(name: "FlowStreamsClient", targets: ["FlowStreamsClient"]),
        .library(name: "FlowStreamsTesting", targets: ["FlowStreamsTesting"]),
        .executable(name: "durable-streaming", targets: ["durable-streaming"]),
    ],
    traits: [
        .trait(name: "Vapor", description: "FlowStreamsVapor: flows on Vapor 4."),
        .trait(name: "PostgreSQL", description: "FlowStreamsPostgres: streams in PostgreSQL (postgres-nio)."),
        .trait(name: "Firestore", description: "FlowStreamsFirestore: streams in Cloud Firestore (gRPC)."),
        .default(enabledTraits: ["Vapor", "PostgreSQL", "Firestore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        // `swift package generate-documentation --target <module>`. No target uses it, so packages
        // that depend on FlowStreams do not resolve it (scripts/check-consumer).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-async-algorithms.git", from: "1.1.4"),
    ],
    targets: [
        // What server and client share: errors and statuses, stream ids, JSON bytes, SSE frames.
        .target(
            name: "FlowStreamsWire",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreams",
            dependencies: [
                "FlowStreamsWire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The connection limits both web frameworks share (read deadline, idle timeout, connection
        // count, pipelining and keep-alive, header limits): NIO channel handlers. Not a product.
        .target(
            name: "FlowStreamsNIO",
            dependencies: [
                "FlowStreams",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreamsSQLite",
            dependencies: [
                "FlowStreams",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreamsPostgres",
            dependencies: [
                "FlowStreams",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Generated code (Sources/FlowStreamsFirestore/Generated, scripts/generate-firestore) is
        // committed: neither protoc nor its plugins are needed to build.
        .target(
            name: "FlowStreamsFirestore",
            dependencies: [
                "FlowStreams",
                "FlowStreamsWire",
                .product(name: "GRPCCore", package: "grpc-swift-2", condition: firestore),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport", condition: firestore),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf", condition: firestore),
                .product(name: "SwiftProtobuf", package: "swift-protobuf", condition: firestore),
                .product(name: "_CryptoExtras", package: "swift-crypto", condition: firestore),
                .product(name: "Crypto", package: "swift-crypto", condition: firestore),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms", condition: firestore),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["README-phase1.md"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreamsVapor",
            dependencies: [
                "FlowStreams",
                "FlowStreamsNIO",
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreamsHummingbird",
            dependencies: [
                "FlowStreams",
                "FlowStreamsNIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreamsClient",
            dependencies: [
                "FlowStreamsWire",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FlowStreamsTesting",
            dependencies: ["FlowStreams"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "durable-streaming",
            dependencies: [
                "FlowStreams",
                "FlowStreamsHummingbird",
                "FlowStreamsSQLite",
                .target(name: "FlowStreamsPostgres", condition: postgres),
                .target(name: "FlowStreamsVapor", condition: vapor),
                "FlowStreamsClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                // The chat flow's model API client.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.copy("Public")],
            swiftSettings: swiftSettings
        ),
        // A server with every docs/CONFORMANCE.md fixture flow, started as a child process by the tests
        // (two-process byte equality, memory measurements, kills); with --soak, the server of
        // scripts/soak and the X16 test. Not a product.
        .executableTarget(
            name: "flowstreams-fixture-server",
            dependencies: [
                "FlowStreams",
                "FlowStreamsHummingbird",
                "FlowStreamsSQLite",
                .target(name: "FlowStreamsVapor", condition: vapor),
                "FlowStreamsTesting",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/FixtureServer",
            swiftSettings: swiftSettings
        ),
        // X16 soak, readers that never read, a 2-minute silence: clients against the fixture server
        // with --soak (scripts/soak; a small run is the X16 test). Not a product.
        .executableTarget(
            name: "flowstreams-soak",
            dependencies: [
                "TestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Tests/Soak",
            swiftSettings: swiftSettings
        ),
        // README.md's Swift snippets, copied here by scripts/readme-snippets, so that the build
        // compiles every one of them (scripts/test fails when the copies are out of date). Not a product.
        .target(
            name: "ReadmeSnippets",
            dependencies: [
                "FlowStreams",
                "FlowStreamsHummingbird",
                "FlowStreamsSQLite",
                "FlowStreamsClient",
                .target(name: "FlowStreamsPostgres", condition: postgres),
                .target(name: "FlowStreamsVapor", condition: vapor),
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "Logging", package: "swift-log"),
                // The chat flow's model API request.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/ReadmeSnippets"
        ),
        // Test-only helpers: an incremental HTTP/1.1 client on NIO, child-process control.
        .target(
            name: "TestSupport",
            dependencies: [
                "FlowStreams",
                "FlowStreamsHummingbird",
                .target(name: "FlowStreamsVapor", condition: vapor),
                .target(name: "FlowStreamsPostgres", condition: postgres),
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsTests",
            dependencies: ["FlowStreams", "FlowStreamsTesting", "TestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsHTTPTests",
            dependencies: [
                "FlowStreams",
                "FlowStreamsHummingbird",
                "FlowStreamsSQLite",
                .target(name: "FlowStreamsPostgres", condition: postgres),
                "FlowStreamsTesting",
                "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsClientTests",
            dependencies: [
                "FlowStreams",
                "FlowStreamsClient",
                "FlowStreamsHummingbird",
                "FlowStreamsTesting",
                "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsSQLiteTests",
            dependencies: [
                "FlowStreams",
                "FlowStreamsSQLite",
                "FlowStreamsTesting",
                "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsPostgresTests",
            dependencies: [
                "FlowStreams",
                .target(name: "FlowStreamsPostgres", condition: postgres),
                "FlowStreamsHummingbird",
                "FlowStreamsTesting",
                "TestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio", condition: postgres),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The sample app as a user runs it: a child process on loopback ports (chat against a loopback
        // model API, input fuzzing, environment, health, nginx in front).
        .testTarget(
            name: "SampleAppTests",
            dependencies: [
                "FlowStreams",
                "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsFirestoreTests",
            dependencies: [
                "FlowStreamsWire",
                "FlowStreamsTesting",
                .target(name: "FlowStreamsFirestore", condition: firestore),
                "TestSupport",
                .product(name: "GRPCCore", package: "grpc-swift-2", condition: firestore),
                .product(name: "SwiftProtobuf", package: "swift-protobuf", condition: firestore),
                .product(name: "_CryptoExtras", package: "swift-crypto", condition: firestore),
                .product(name: "Crypto", package: "swift-crypto", condition: firestore),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FlowStreamsVaporTests",
            dependencies: [
                "FlowStreams",
                .target(name: "FlowStreamsVapor", condition: vapor),
                "FlowStreamsTesting",
                "TestSupport",
                .product(name: "Vapor", package: "vapor", condition: vapor),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
