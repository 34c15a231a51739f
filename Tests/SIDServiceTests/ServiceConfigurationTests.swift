import Logging
import SIDDecoderIsolation
import SIDEngine
import SIDRaw
@testable import SIDService
import XCTest

final class ServiceConfigurationTests: XCTestCase {
    func testDefaultsUseOneWorkerWithEveryCore() throws {
        let configuration = ServiceConfiguration(cores: 2)
        XCTAssertEqual(configuration.workers, 1)
        XCTAssertEqual(configuration.threadsPerWorker, 2)
        XCTAssertEqual(configuration.port, 8080)
        XCTAssertEqual(configuration.host, "0.0.0.0")
        XCTAssertEqual(configuration.maxBodyBytes, 200 * 1024 * 1024)
        XCTAssertNoThrow(try configuration.validate())
    }

    func testEnvironmentVariablesOverrideDefaults() throws {
        var configuration = ServiceConfiguration(cores: 2)
        try configuration.apply(environment: [
            "SID_HOST": "127.0.0.1", "SID_PORT": "9091", "SID_WORKERS": "2", "SID_THREADS": "1", "SID_QUEUE": "0",
            "SID_MAX_BODY_MB": "50", "SID_MAX_HEADER_KB": "8", "SID_REQUEST_TIMEOUT": "2.5", "SID_GRACE_SECONDS": "7",
            "SID_SYNTHETIC_WEIGHTS": "true", "SID_TLS_CERT": "c.pem", "SID_TLS_KEY": "k.pem", "SID_LOG_LEVEL": "DEBUG",
            "UNRELATED": "x",
        ])
        XCTAssertEqual(configuration.host, "127.0.0.1")
        XCTAssertEqual(configuration.port, 9091)
        XCTAssertEqual(configuration.workers, 2)
        XCTAssertEqual(configuration.threadsPerWorker, 1)
        XCTAssertEqual(configuration.queueCapacity, 0)
        XCTAssertEqual(configuration.maxBodyMegabytes, 50)
        XCTAssertEqual(configuration.maxHeaderKilobytes, 8)
        XCTAssertEqual(configuration.requestTimeout, .milliseconds(2500))
        XCTAssertEqual(configuration.gracePeriod, .seconds(7))
        XCTAssertTrue(configuration.syntheticWeights)
        XCTAssertEqual(configuration.tlsCertificate, "c.pem")
        XCTAssertEqual(configuration.logLevel, .debug)
        XCTAssertNoThrow(try configuration.validate())
    }

    func testTheDecoderIsIsolatedByDefaultWithLimitsSizedFromThePixelAndBodyLimits() throws {
        let configuration = ServiceConfiguration(cores: 2)
        XCTAssertEqual(configuration.decoder, .isolated)
        XCTAssertEqual(configuration.decoderTimeout, .seconds(60))
        // 256 MiB for the executable, 200 MiB of upload, 30 bytes for each of 64 million pixels.
        XCTAssertEqual(configuration.decoderMemoryBytes, (256 << 20) + (200 << 20) + 1_920_000_000)
        XCTAssertEqual(configuration.decodingStrategy, .isolated(DecoderIsolation(
            command: ["/proc/self/exe", "decode-helper"], memoryLimitBytes: configuration.decoderMemoryBytes,
            timeout: .seconds(60))))
        XCTAssertEqual(configuration.effectiveMetadata["decoder"], "isolated")
        XCTAssertEqual(configuration.effectiveMetadata["decoder_memory_mb"], "2287", "256 MiB + 200 MiB + 30 B x 64 M")
    }

    func testDecoderSettingsComeFromTheEnvironmentAndAreChecked() throws {
        var configuration = ServiceConfiguration(cores: 2)
        try configuration.apply(environment: ["SID_DECODER": "In-Process", "SID_DECODER_MEMORY_MB": "2048",
                                              "SID_DECODER_TIMEOUT": "7.5"])
        XCTAssertEqual(configuration.decoder, .inProcess)
        XCTAssertEqual(configuration.decodingStrategy, .inProcess)
        XCTAssertEqual(configuration.decoderMemoryBytes, 2048 << 20)
        XCTAssertEqual(configuration.decoderTimeout, .milliseconds(7500))
        XCTAssertNoThrow(try configuration.validate())

        XCTAssertThrowsError(try configuration.apply(environment: ["SID_DECODER": "sandboxed"])) { error in
            XCTAssertTrue("\(error)".contains("SID_DECODER"), "\(error)")
            XCTAssertTrue("\(error)".contains("isolated or in-process"), "\(error)")
        }
        configuration.decoderMemoryMegabytes = 100
        XCTAssertThrowsError(try configuration.validate()) { XCTAssertTrue("\($0)".contains("--decoder-memory-mb")) }
        configuration.decoderMemoryMegabytes = 0  // no limit: sanitizer runs (scripts/ci/sanitizers.sh)
        XCTAssertNoThrow(try configuration.validate())
        configuration.decoderMemoryMegabytes = nil
        configuration.decoderTimeout = .zero
        XCTAssertThrowsError(try configuration.validate()) { XCTAssertTrue("\($0)".contains("--decoder-timeout")) }
    }

    func testMalformedEnvironmentVariableIsNamed() {
        var configuration = ServiceConfiguration(cores: 2)
        XCTAssertThrowsError(try configuration.apply(environment: ["SID_PORT": "eighty"])) { error in
            XCTAssertEqual("\(error)", "SID_PORT is \"eighty\", but it must be a whole number")
        }
        XCTAssertThrowsError(try configuration.apply(environment: ["SID_GRACE_SECONDS": "-1"])) { error in
            XCTAssertTrue("\(error)".hasPrefix("SID_GRACE_SECONDS is \"-1\""), "\(error)")
        }
        XCTAssertThrowsError(try configuration.apply(environment: ["SID_LOG_LEVEL": "loud"]))
    }

    func testValidationNamesTheFlag() {
        var configuration = ServiceConfiguration(cores: 2)
        configuration.workers = 0
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertEqual("\(error)", "--workers is \"0\", but it must be 1 to 64")
        }
        configuration = ServiceConfiguration(cores: 2)
        configuration.tlsCertificate = "cert.pem"
        XCTAssertThrowsError(try configuration.validate()) { error in
            XCTAssertEqual(error as? ConfigurationError, .incompleteTLS)
        }
        configuration = ServiceConfiguration(cores: 2)
        configuration.requestTimeout = ServiceConfiguration.duration(seconds: .nan)
        XCTAssertThrowsError(try configuration.validate())
    }

    func testDurationsAreClampedInsteadOfOverflowing() {
        XCTAssertEqual(ServiceConfiguration.duration(seconds: 1e300), .seconds(1_000_000_000))
        XCTAssertEqual(ServiceConfiguration.duration(seconds: 0.25), .milliseconds(250))
        XCTAssertEqual(ServiceConfiguration.duration(seconds: -.infinity), .seconds(-1))
    }

    func testEffectiveMetadataListsEverySetting() {
        let metadata = ServiceConfiguration(cores: 2).effectiveMetadata
        for key in ["host", "port", "weights", "workers", "threads_per_worker", "queue", "max_body_mb",
                    "request_timeout_s", "grace_s", "tls"] {
            XCTAssertNotNil(metadata[key], key)
        }
        XCTAssertEqual(metadata["request_timeout_s"], "120.0")
        XCTAssertEqual(metadata["weights"], "auto", "nothing named: weights/*.safetensors are looked for")
    }

    func testSIDWeightsIsSplitTrimmedAndLoggedAsTheFilesUsed() throws {
        var configuration = ServiceConfiguration(cores: 2)
        try configuration.apply(environment: ["SID_WEIGHTS": " a.safetensors, b.safetensors ,,"])
        XCTAssertEqual(configuration.weights, ["a.safetensors", "b.safetensors"])
        XCTAssertEqual(configuration.effectiveMetadata["weights"], "a.safetensors,b.safetensors")
    }

    func testCORSOriginsComeFromTheEnvironmentAndMustBeOrigins() throws {
        var configuration = ServiceConfiguration(cores: 2)
        XCTAssertEqual(configuration.corsOrigins, [], "no CORS unless asked")
        try configuration.apply(environment: ["SID_CORS_ORIGIN": " https://a.example , http://localhost:3000,"])
        XCTAssertEqual(configuration.corsOrigins, ["https://a.example", "http://localhost:3000"])
        XCTAssertNoThrow(try configuration.validate())
        XCTAssertEqual(configuration.effectiveMetadata["cors_origins"], "https://a.example,http://localhost:3000")
        for bad in ["https://a.example/", "a.example", "ftp://a.example", "https://a.example/app"] {
            configuration.corsOrigins = [bad]
            XCTAssertThrowsError(try configuration.validate(), bad) { error in
                XCTAssertTrue("\(error)".contains("--cors-origin"), "\(error)")
            }
        }
        configuration.corsOrigins = ["*"]
        XCTAssertNoThrow(try configuration.validate())
    }
}
