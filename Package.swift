// swift-tools-version: 6.1
import PackageDescription

// Module map: system libraries first, then one library per concern, then the thin `sid` executable.
//   SIDRaw      camera raw decoding (LibRaw), Bayer and X-Trans packing, baseline rendering
//   SIDDecoderIsolation  LibRaw in a limited helper process per call, and its wire protocol
//   SIDSamples  synthetic scenes, DNG writing, synthetic weights
//   SIDWeights  safetensors, PyTorch pickle and TensorFlow bundle readers, checkpoint conversion
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

        // Camera raw decoding with LibRaw, Bayer and X-Trans packing, exposure ratios, the LibRaw baseline rendering.
        .target(name: "SIDRaw", dependencies: ["CLibRaw"]),
        // LibRaw in a limited child process per call, and the wire protocol between parent and helper.
        .target(name: "SIDDecoderIsolation", dependencies: ["SIDRaw"]),
        // Synthetic scenes, DNG writing and synthetic weights: inputs for `sid sample`, bench, warm-up and tests.
        .target(name: "SIDSamples", dependencies: ["SIDRaw", "SIDNetwork"]),
        .target(name: "SIDWeights", dependencies: ["COpenSSL"]),
        // The forward pass is compiled optimised even in debug builds: unoptimised, its kernels make the
        // parity tests take minutes instead of seconds.
        .target(name: "SIDNetwork", dependencies: ["CKernels", "SIDWeights"], swiftSettings: [.unsafeFlags(["-O"])]),
        // Its hot loops are compiled optimised in debug builds too, for the same reason.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "SIDImage", dependencies: ["CPNG"]),
        // Raw bytes + options -> PNG: one raw backend call (in-process or isolated), pack, network, encode.
        .target(name: "SIDEngine", dependencies: ["SIDRaw", "SIDDecoderIsolation", "SIDWeights", "SIDNetwork", "SIDImage"]),
        .target(name: "SIDHTTP", dependencies: [
            "COpenSSL",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SIDService", dependencies: [
            "SIDEngine", "SIDHTTP", "SIDDecoderIsolation", "SIDSamples",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "sid", dependencies: [
            "SIDEngine", "SIDService", "SIDRaw", "SIDDecoderIsolation", "SIDSamples",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // A decoder helper that crashes, hangs, allocates or answers garbage on purpose (`--fault`), else serves as
        // `sid decode-helper` does: the isolation tests' helper command. Test-only, never part of `sid`.
        .executableTarget(name: "sid-faulty-decoder", dependencies: ["SIDDecoderIsolation"],
                          path: "Tests/sid-faulty-decoder"),
        // DNG fixtures, error assertions and child-process checks shared by the raw, isolation and engine tests.
        .target(name: "SIDRawTestSupport", dependencies: ["SIDRaw", "SIDSamples"], path: "Tests/SIDRawTestSupport"),
        .testTarget(name: "SIDRawTests", dependencies: ["SIDRaw", "SIDSamples", "SIDRawTestSupport"]),
        .testTarget(name: "SIDDecoderIsolationTests",
                    dependencies: ["SIDDecoderIsolation", "SIDRaw", "SIDSamples", "SIDRawTestSupport", "sid-faulty-decoder"]),
        .testTarget(name: "SIDSamplesTests", dependencies: ["SIDSamples", "SIDRaw", "SIDRawTestSupport"]),
        .testTarget(name: "SIDWeightsTests", dependencies: ["SIDWeights"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDNetworkTests", dependencies: ["SIDNetwork", "SIDWeights", "SIDSamples"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDImageTests", dependencies: ["SIDImage"]),
        .testTarget(name: "SIDEngineTests",
                    dependencies: ["SIDEngine", "SIDRaw", "SIDDecoderIsolation", "SIDSamples", "SIDRawTestSupport",
                                   "sid-faulty-decoder"]),
        .testTarget(name: "SIDHTTPTests", dependencies: ["SIDHTTP"]),
        .testTarget(name: "SIDServiceTests", dependencies: ["SIDService", "SIDEngine", "SIDNetwork", "SIDRaw", "SIDDecoderIsolation", "SIDSamples", "SIDImage"]),
        // Runs the built `sid` binary as a user would; the dependency makes `swift test` build it.
        .testTarget(name: "sidTests", dependencies: ["sid", "SIDImage", "SIDSamples", "sid-faulty-decoder"]),
    ],
    swiftLanguageModes: [.v5]
)
