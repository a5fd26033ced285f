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
    ],
    targets: [
        .executableTarget(
            name: "flowstreams-bench-server",
            dependencies: [
                .product(name: "FlowStreams", package: "flowstreams"),
                .product(name: "FlowStreamsHummingbird", package: "flowstreams"),
                .product(name: "FlowStreamsSQLite", package: "flowstreams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/BenchServer"
        ),
        .executableTarget(
            name: "flowstreams-bench-client",
            path: "Sources/BenchClient"
        ),
    ]
)
