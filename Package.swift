// swift-tools-version: 6.1
import PackageDescription

// Module map: system libraries first, then one library per concern, then the thin `sid` executable.
//   SIDRaw      camera raw decoding (LibRaw), Bayer packing, DNG writing, baseline rendering
//   SIDWeights  safetensors, PyTorch pickle and TensorFlow bundle readers, checkpoint conversion
//   SIDNetwork  the SID U-Net forward pass: row streaming, buffer ownership (kernels in CKernels)
//   SIDImage    PNG encoding (libpng)
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
        .target(name: "SIDWeights", dependencies: ["COpenSSL"]),
        // The forward pass is compiled optimised even in debug builds: unoptimised, its kernels make the
        // parity tests take minutes instead of seconds.
        .target(name: "SIDNetwork", dependencies: ["CKernels", "SIDWeights"], swiftSettings: [.unsafeFlags(["-O"])]),
        // The forward pass's arithmetic: Winograd, direct and transposed convs, GEMM, pool, output store, one
        // source compiled per instruction set with runtime dispatch. Its hot loops are compiled optimised in
        // debug builds too, for the same reason.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // PNG encoding of the enhanced image.
        .target(name: "SIDImage", dependencies: ["CPNG"]),
        .target(name: "SIDEngine", dependencies: ["SIDRaw", "SIDWeights", "SIDNetwork", "SIDImage"]),
        .target(name: "SIDHTTP", dependencies: [
            "COpenSSL",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "SIDService", dependencies: [
            "SIDEngine", "SIDHTTP",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .executableTarget(name: "sid", dependencies: [
            "SIDEngine", "SIDService",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // Test support shared by the test targets and the fuzzers: the PNG decoder that checks what the encoder wrote.
        .target(name: "SIDTestSupport", dependencies: ["SIDImage", "CPNGTestDecoder"], path: "Tests/SIDTestSupport"),
        // The test decoder's libpng calls, behind their own setjmp (libpng's longjmp must not cross Swift frames).
        .target(name: "CPNGTestDecoder", dependencies: ["CPNG"], path: "Tests/CPNGTestDecoder",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),

        .testTarget(name: "SIDRawTests", dependencies: ["SIDRaw"]),
        .testTarget(name: "SIDWeightsTests", dependencies: ["SIDWeights"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDNetworkTests", dependencies: ["SIDNetwork", "SIDWeights"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDImageTests", dependencies: ["SIDImage", "SIDTestSupport"]),
        .testTarget(name: "SIDEngineTests", dependencies: ["SIDEngine", "SIDTestSupport"]),
        .testTarget(name: "SIDHTTPTests", dependencies: ["SIDHTTP"]),
        .testTarget(name: "SIDServiceTests", dependencies: ["SIDService", "SIDEngine", "SIDNetwork", "SIDRaw", "SIDImage",
                                                         "SIDTestSupport"]),
        // Runs the built `sid` binary as a user would; the dependency makes `swift test` build it.
        .testTarget(name: "sidTests", dependencies: ["sid", "SIDImage", "SIDTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
