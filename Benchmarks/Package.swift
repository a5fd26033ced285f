// swift-tools-version:6.0
import PackageDescription

// Benchmarks for FlowStreams: programs, not tests, built in release by `scripts/bench` and kept out of
// the main package so they never slow down `swift build` for users.
let package = Package(
    name: "flowstreams-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "flowstreams", path: ".."),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // What server and client share: the monotonic clock both read (same machine, CLOCK_MONOTONIC).
        .target(name: "BenchSupport", path: "Sources/BenchSupport"),
        .target(name: "CEpoll", path: "Sources/CEpoll"),
        .executableTarget(
            name: "flowstreams-bench-server",
            dependencies: [
                "BenchSupport",
                .product(name: "FlowStreams", package: "flowstreams"),
                .product(name: "FlowStreamsHummingbird", package: "flowstreams"),
                .product(name: "FlowStreamsSQLite", package: "flowstreams"),
                .product(name: "FlowStreamsPostgres", package: "flowstreams"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BenchServer"
        ),
        .executableTarget(
            name: "flowstreams-bench-client",
            dependencies: ["BenchSupport", "CEpoll"],
            path: "Sources/BenchClient"
        ),
    ]
)
