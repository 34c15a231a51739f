// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "sid",
    products: [
        .executable(name: "sid", targets: ["sid"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibRaw", pkgConfig: "libraw_r", providers: [.apt(["libraw-dev"])]),
        // libpng reports errors by longjmp, which Swift cannot catch: a small C target owns every libpng call.
        .target(name: "CPNG", linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),
        // libjpeg reports errors through an error_exit that must not return (a longjmp): a small C target owns every
        // libjpeg call, as CPNG does for libpng.
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),
        // libtiff's in-memory I/O callbacks and per-file error handler, in C next to the library they serve.
        .target(name: "CTIFF", linkerSettings: [.linkedLibrary("tiff")]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // Camera raw decoding with LibRaw, Bayer and X-Trans packing, exposure ratios, the LibRaw baseline rendering.
        .target(name: "SIDRaw", dependencies: ["CLibRaw"]),
        // LibRaw in a limited child process per call, and the wire protocol between parent and helper.
        .target(name: "SIDDecoderIsolation", dependencies: ["SIDRaw"]),
        // Synthetic scenes, DNG writing and synthetic weights: inputs for `sid sample`, bench, warm-up and tests.
        .target(name: "SIDSamples", dependencies: ["SIDRaw", "SIDModel", "SIDNetwork"]),
        // The one definition of the SID models: channels, pixel shuffle, mosaic, tensor names, shapes and sizes.
        .target(name: "SIDModel"),
        // Loads converted weights for the service: a memory-mapped safetensors file and its SHA-256.
        .target(name: "SIDWeights", dependencies: ["SIDModel", "COpenSSL"]),
        // Offline checkpoint conversion (restricted unpickler, zip, TensorFlow bundle): linked only by `sid convert`.
        .target(name: "SIDCheckpoint", dependencies: ["SIDModel", "SIDWeights"]),
        // The forward pass is compiled optimised even in debug builds: unoptimised, its kernels make the
        // parity tests take minutes instead of seconds.
        .target(name: "SIDNetwork", dependencies: ["CKernels", "SIDModel"], swiftSettings: [.unsafeFlags(["-O"])]),
        // The forward pass's arithmetic: Winograd, direct and transposed convs, GEMM, pool, output store, one
        // source compiled per instruction set with runtime dispatch. Its hot loops are compiled optimised in
        // debug builds too, for the same reason.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Encoding of the enhanced image: PNG, JPEG and TIFF, and the formats' names and media types.
        .target(name: "SIDImage", dependencies: ["CPNG", "CJPEG", "CTIFF"]),
        // Raw bytes + options -> PNG: one raw backend call (in-process or isolated), pack, network, encode.
        .target(name: "SIDEngine", dependencies: ["SIDRaw", "SIDDecoderIsolation", "SIDModel", "SIDWeights", "SIDNetwork", "SIDImage"]),
        // Sockets and TLS, no HTTP: listening, accepting, reading and writing with deadlines, lingering close.
        .target(name: "SIDSockets", dependencies: ["COpenSSL"]),
        // HTTP/1.1 server: request parsing, messages, multipart forms, the server that owns each connection's loop.
        .target(name: "SIDHTTP", dependencies: [
            "SIDSockets",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The `sid serve` application: routes, enhancement requests, worker pool, metrics, start-up and shutdown.
        .target(name: "SIDService", dependencies: [
            "SIDEngine", "SIDHTTP", "SIDModel", "SIDDecoderIsolation", "SIDSamples", "SIDWeights", "SIDNetwork", "SIDImage",
            "SIDRaw",
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.embedInCode("OpenAPI/openapi.json")]),
        .executableTarget(name: "sid", dependencies: [
            "SIDEngine", "SIDImage", "SIDService", "SIDModel", "SIDCheckpoint", "SIDRaw", "SIDDecoderIsolation", "SIDSamples",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // The one test-support target: raw socket client, curl and subprocess runners, the built executables, a
        // served `sid serve`, an in-process service, shared assets (SID_REQUIRE_SHARED), fixtures, the PNG decoder.
        .target(name: "SIDTestSupport",
                dependencies: ["PNGTestDecoder", "SIDImage", "SIDRaw", "SIDSamples", "SIDModel", "SIDWeights",
                               "SIDNetwork", "SIDEngine", "SIDService",
                               .product(name: "Logging", package: "swift-log")],
                path: "Tests/SIDTestSupport", exclude: ["Fixtures/Weights", "Images"]),
        // The PNG decoder that checks what the encoder wrote, part of SIDTestSupport (which re-exports it) but a
        // target of its own because the png-decoder fuzzer links it without XCTest and the service modules.
        .target(name: "PNGTestDecoder", dependencies: ["SIDImage", "CPNGTestDecoder"], path: "Tests/SIDTestSupport/Images"),
        // Tests of the test support itself: the shared-asset lookup with and without SID_REQUIRE_SHARED.
        .testTarget(name: "SIDTestSupportTests", dependencies: ["SIDTestSupport"]),
        // The test decoder's libpng calls, behind their own setjmp (libpng's longjmp must not cross Swift frames).
        .target(name: "CPNGTestDecoder", dependencies: ["CPNG"], path: "Tests/CPNGTestDecoder",
                linkerSettings: [.linkedLibrary("png16"), .linkedLibrary("z")]),

        // A decoder helper that crashes, hangs, allocates or answers garbage on purpose (`--fault`), else serves as
        // `sid decode-helper` does: the isolation tests' helper command. Test-only, never part of `sid`.
        .executableTarget(name: "sid-faulty-decoder", dependencies: ["SIDDecoderIsolation"],
                          path: "Tests/sid-faulty-decoder"),
        .testTarget(name: "SIDRawTests", dependencies: ["SIDRaw", "SIDSamples", "SIDTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDDecoderIsolationTests",
                    dependencies: ["SIDDecoderIsolation", "SIDRaw", "SIDSamples", "SIDTestSupport", "sid-faulty-decoder"]),
        .testTarget(name: "SIDSamplesTests", dependencies: ["SIDSamples", "SIDRaw", "SIDTestSupport"]),
        .testTarget(name: "SIDNetworkTests", dependencies: ["SIDNetwork", "SIDModel", "SIDWeights", "SIDCheckpoint", "SIDSamples"], exclude: ["Fixtures"]),
        .testTarget(name: "SIDImageTests", dependencies: ["SIDImage", "SIDTestSupport"]),
        .testTarget(name: "SIDEngineTests",
                    dependencies: ["SIDEngine", "SIDModel", "SIDRaw", "SIDDecoderIsolation", "SIDSamples", "SIDTestSupport", "sid-faulty-decoder"]),
        .testTarget(name: "SIDHTTPTests", dependencies: ["SIDHTTP", "SIDSockets", "SIDTestSupport"]),
        .testTarget(name: "SIDServiceTests", dependencies: ["SIDService", "SIDHTTP", "SIDSockets", "SIDEngine", "SIDModel", "SIDNetwork", "SIDRaw", "SIDDecoderIsolation", "SIDSamples", "SIDImage",
                                                         "SIDTestSupport"]),
        .testTarget(name: "SIDModelTests", dependencies: ["SIDModel"]),
        // Writes its files with SIDCheckpoint's safetensors writer: only the tests link the converter.
        .testTarget(name: "SIDWeightsTests", dependencies: ["SIDWeights", "SIDModel", "SIDCheckpoint", "SIDTestSupport"]),
        .testTarget(name: "SIDCheckpointTests", dependencies: ["SIDCheckpoint", "SIDModel", "SIDWeights", "SIDTestSupport"]),
        // Runs the built `sid` binary as a user would (every command, `sid serve` included); the dependency makes
        // `swift test` build it.
        .testTarget(name: "sidTests", dependencies: ["sid", "SIDImage", "SIDSamples", "SIDTestSupport", "sid-faulty-decoder"]),
    ],
    swiftLanguageModes: [.v5]
)
