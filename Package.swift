// swift-tools-version: 6.1
import PackageDescription

// Module map: system libraries first, then one library per concern, then the thin `sid` executable.
//   SIDRaw      camera raw decoding (LibRaw), Bayer packing, DNG writing, baseline rendering
//   SIDModel       what sid-sony and sid-fuji are: channels, scale, mosaic, tensor names and shapes
//   SIDWeights     the service's weights loader: mapped safetensors, SHA-256
//   SIDCheckpoint  offline `sid convert`: PyTorch pickle/zip and TensorFlow bundle readers, safetensors writer
//   SIDNetwork  the SID U-Net forward pass: row streaming, buffer ownership (kernels in CKernels)
//   SIDImage    PNG encoding and decoding (libpng)
//   SIDEngine   raw bytes + options -> PNG: the pipeline both the CLI and the service call
//   SIDHTTP     socket server and HTTP/1.1 protocol, no knowledge of SID
//   SIDService  routes, worker pool, metrics: the `sid serve` application
let package = Package(
    name: "sid",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sid", targets: ["sid"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibRaw", pkgConfig: "libraw_r", providers: [.apt(["libraw-dev"])]),
        // libpng reports errors by longjmp, which Swift cannot catch: a small C target owns every libpng call.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        .target(name: "SIDRaw", dependencies: ["CLibRaw"]),
        // The one definition of the SID models: channels, pixel shuffle, mosaic, tensor names, shapes and sizes.
        .target(name: "SIDModel"),
        // Loads converted weights for the service: a memory-mapped safetensors file and its SHA-256.
        .target(name: "SIDWeights", dependencies: ["SIDModel", "COpenSSL"]),
        // Offline checkpoint conversion (restricted unpickler, zip, TensorFlow bundle): linked only by `sid convert`.
        .target(name: "SIDCheckpoint", dependencies: ["SIDModel", "SIDWeights"]),
        // The forward pass is compiled optimised even in debug builds: unoptimised, its kernels make the
        // parity tests take minutes instead of seconds.
        .target(name: "SIDNetwork", dependencies: ["CKernels", "SIDModel"], swiftSettings: [.unsafeFlags(["-O"])]),
        // Its hot loops are compiled optimised in debug builds too, for the same reason.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "SIDImage", dependencies: ["CPNG"]),
        .target(name: "SIDEngine", dependencies: ["SIDRaw", "SIDModel", "SIDWeights", "SIDNetwork", "SIDImage"]),
        .target(name: "SIDHTTP", dependencies: [
            "COpenSSL",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SIDService", dependencies: [
            "SIDEngine", "SIDHTTP", "SIDModel",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "sid", dependencies: [
            "SIDEngine", "SIDService", "SIDModel", "SIDCheckpoint",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "SIDRawTests", dependencies: ["SIDRaw"]),
        .testTarget(name: "SIDModelTests", dependencies: ["SIDModel"]),
        // Fixtures (checkpoints written by real torch.save), scratch directories and seeded values for the two below.
        .target(name: "WeightsTestSupport", dependencies: ["SIDWeights"], path: "Tests/WeightsTestSupport", exclude: ["Fixtures"]),
        // Writes its files with SIDCheckpoint's safetensors writer: only the tests link the converter.
        .testTarget(name: "SIDWeightsTests", dependencies: ["SIDWeights", "SIDModel", "SIDCheckpoint", "WeightsTestSupport"]),
        .testTarget(name: "SIDCheckpointTests", dependencies: ["SIDCheckpoint", "SIDModel", "SIDWeights", "WeightsTestSupport"]),
        .testTarget(name: "SIDNetworkTests", dependencies: ["SIDNetwork", "SIDModel", "SIDWeights", "SIDCheckpoint"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDImageTests", dependencies: ["SIDImage"]),
        .testTarget(name: "SIDEngineTests", dependencies: ["SIDEngine", "SIDModel"]),
        .testTarget(name: "SIDHTTPTests", dependencies: ["SIDHTTP"]),
        .testTarget(name: "SIDServiceTests", dependencies: ["SIDService", "SIDEngine", "SIDModel", "SIDNetwork", "SIDRaw", "SIDImage"]),
        // Runs the built `sid` binary as a user would; the dependency makes `swift test` build it.
        .testTarget(name: "sidTests", dependencies: ["sid", "SIDImage"]),
    ],
    swiftLanguageModes: [.v5]
)
