import Foundation
import Logging
import SIDDecoderIsolation
import SIDEngine
import SIDRaw

/// Everything `sid serve` can be told, with the defaults it uses when told nothing.
///
/// Each setting can come from a flag or an environment variable (flag wins); `apply(environment:)` reads the
/// variables, `effectiveMetadata` is what the service logs at start.
public struct ServiceConfiguration: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port = 8080
    /// The admin listener for /healthz, /readyz and /metrics, with its own connections and threads so that no
    /// traffic on `port` can starve the probes; nil serves them on `port` only. 0 picks a free port.
    public var adminPort: Int? = 9090
    /// Connections the admin listener serves at once: probes and a scraper need few.
    public var adminMaxConnections = 16
    /// Weight files from --weights or SID_WEIGHTS; empty means weights/*.safetensors (see `WeightsLocation`).
    public var weights: [String] = []
    /// Random full-width U-Net weights instead of a file: for benchmarks only, the images are meaningless.
    public var syntheticWeights = false
    /// Worker threads, each owning one `Enhancer`.
    public var workers: Int
    /// Compute threads inside each worker.
    public var threadsPerWorker: Int
    /// Jobs that may wait for a worker; one more gets 503 at once.
    public var queueCapacity = 4
    public var maxBodyMegabytes = 200
    /// Raws with more sensor pixels are refused (422) before their pixels are read. 64 takes every 35 mm
    /// sensor made (61 MP) and keeps one request's worst case (a baseline rendering touches about 25 bytes per
    /// pixel, 1.6 GB at 64 MP, plus the uploads the queue holds, one of them per worker decoded ahead into a
    /// 2-byte-per-pixel mosaic, 128 MB at 64 MP) inside deploy/'s 3 GiB pod limit.
    public var maxMegapixels = 64
    /// Most bytes of request header fields, in KiB (more -> 431).
    public var maxHeaderKilobytes = 32
    /// How long a job may wait in the queue before it is dropped with 503.
    public var requestTimeout: Duration = .seconds(120)
    /// How long a SIGTERM/SIGINT waits for requests in flight and queued before the process exits.
    public var gracePeriod: Duration = .seconds(30)
    /// A request head must arrive within this (-> 408).
    public var headerTimeout: Duration = .seconds(10)
    /// Longest pause between body bytes (-> 408).
    public var bodyIdleTimeout: Duration = .seconds(30)
    /// A whole upload must arrive within this (-> 408).
    public var bodyTimeout: Duration = .seconds(300)
    public var keepAliveTimeout: Duration = .seconds(60)
    public var maxConnections = 64
    /// Where LibRaw runs: isolated (a process per decode, so a file that crashes or hangs it costs only its own
    /// request) or in-process.
    public var decoder: DecoderMode = .isolated
    /// The isolated decoder's memory limit in MiB; nil sizes it from `maxMegapixels` and `maxBodyMegabytes`
    /// (`DecoderIsolation.defaultMemoryLimit`).
    public var decoderMemoryMegabytes: Int?
    /// Wall-clock time the isolated decoder gets per decode before it is killed (-> 422).
    public var decoderTimeout: Duration = .seconds(60)
    /// The executable whose `decode-helper` mode decodes: this one, unless tests point elsewhere.
    public var decoderExecutable = "/proc/self/exe"
    /// API keys for /v1/* (one per line, or `sha256:<hex>`), reloaded on SIGHUP; nil lets anyone call.
    public var apiKeysFile: String?
    /// Enhancements one API key may have in flight at once (more get 429); nil for no limit.
    public var maxInFlightPerKey: Int?
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// Origins ("https://photos.example.com", or "*") a browser app may call the API from; none by default.
    public var corsOrigins: [String] = []
    /// TLS 1.2 cipher suites (OpenSSL syntax); nil: Mozilla "intermediate", forward-secret AEAD suites only.
    public var tlsCiphers: String?
    public var logLevel: Logger.Level = .info
    /// Log lines as text (swift-log's layout, values escaped) or one JSON object per line.
    public var logFormat: ServiceLogHandler.Format = .text

    /// The defaults, with the worker layout chosen for this machine's cores.
    public init(cores: Int = ProcessInfo.processInfo.activeProcessorCount) {
        (workers, threadsPerWorker) = Self.defaultLayout(cores: cores)
    }

    /// One worker using every core. Measured on 2 cores (release build, synthetic full-width weights,
    /// scripts/measure/load-test.sh): a 4256x2848 frame answers in 9.7 s with 1 worker x 2 threads against 14.6 s
    /// with 2 x 1, while full-frame throughput at concurrency 2 is the same within noise (0.10 vs 0.11 req/s);
    /// one worker also holds one set of network buffers instead of two. Two single-threaded workers do win
    /// for small raws (512x512: 7.7 vs 4.8 req/s at concurrency 2, where the serial decode and PNG stages
    /// dominate), so a service fed thumbnails should run `--workers <cores> --threads 1`.
    public static func defaultLayout(cores: Int) -> (workers: Int, threadsPerWorker: Int) {
        (1, max(1, cores))
    }

    public var maxBodyBytes: Int { maxBodyMegabytes * 1024 * 1024 }

    /// Whether `host` only takes connections from this machine.
    public var bindsLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The isolated decoder's memory limit in bytes: the one set, else sized for the largest raw and upload.
    public var decoderMemoryBytes: Int {
        if let decoderMemoryMegabytes { return decoderMemoryMegabytes << 20 }
        return DecoderIsolation.defaultMemoryLimit(maxPixels: maxMegapixels * 1_000_000, maxInputBytes: maxBodyBytes)
    }

    /// What each worker's `Enhancer` is told about where LibRaw runs.
    public var decodingStrategy: DecodingStrategy {
        switch decoder {
        case .inProcess:
            return .inProcess
        case .isolated:
            return .isolated(DecoderIsolation(command: [decoderExecutable, "decode-helper"],
                                              memoryLimitBytes: decoderMemoryBytes, timeout: decoderTimeout))
        }
    }

    /// Seconds as a Duration, to the millisecond; what is not a finite number of seconds becomes -1 s, which
    /// `validate()` refuses, and more than a billion seconds is a billion.
    public static func duration(seconds: Double) -> Duration {
        guard seconds.isFinite else { return .seconds(-1) }
        return .milliseconds(Int64((min(max(seconds, -1), 1e9) * 1000).rounded()))
    }

    /// Reads the SID_* variables that are set; a malformed one is an error naming it.
    public mutating func apply(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = value(name) else { return nil }
            guard let number = Int(text) else { throw ConfigurationError.invalid(name: name, value: text, expected: "a whole number") }
            return number
        }
        func seconds(_ name: String) throws -> Duration? {
            guard let text = value(name) else { return nil }
            guard let number = Double(text), number.isFinite, number >= 0 else {
                throw ConfigurationError.invalid(name: name, value: text, expected: "a number of seconds")
            }
            return Self.duration(seconds: number)
        }
        if let text = value("SID_HOST") { host = text }
        if let text = value("SID_WEIGHTS") { weights = WeightsLocation.files(inList: text) }
        if let number = try integer("SID_PORT") { port = number }
        if let text = value("SID_ADMIN_PORT") {
            if text.lowercased() == "off" {
                adminPort = nil
            } else {
                guard let number = Int(text) else {
                    throw ConfigurationError.invalid(name: "SID_ADMIN_PORT", value: text, expected: "a port number or off")
                }
                adminPort = number
            }
        }
        if let text = value("SID_SYNTHETIC_WEIGHTS") {
            switch text.lowercased() {
            case "1", "true", "yes", "on": syntheticWeights = true
            case "0", "false", "no", "off": syntheticWeights = false
            default: throw ConfigurationError.invalid(name: "SID_SYNTHETIC_WEIGHTS", value: text, expected: "true or false")
            }
        }
        if let number = try integer("SID_WORKERS") { workers = number }
        if let number = try integer("SID_THREADS") { threadsPerWorker = number }
        if let number = try integer("SID_QUEUE") { queueCapacity = number }
        if let number = try integer("SID_MAX_BODY_MB") { maxBodyMegabytes = number }
        if let number = try integer("SID_MAX_MEGAPIXELS") { maxMegapixels = number }
        if let number = try integer("SID_MAX_HEADER_KB") { maxHeaderKilobytes = number }
        if let duration = try seconds("SID_REQUEST_TIMEOUT") { requestTimeout = duration }
        if let duration = try seconds("SID_GRACE_SECONDS") { gracePeriod = duration }
        if let duration = try seconds("SID_HEADER_TIMEOUT") { headerTimeout = duration }
        if let duration = try seconds("SID_BODY_IDLE_TIMEOUT") { bodyIdleTimeout = duration }
        if let duration = try seconds("SID_BODY_TIMEOUT") { bodyTimeout = duration }
        if let duration = try seconds("SID_KEEP_ALIVE_TIMEOUT") { keepAliveTimeout = duration }
        if let number = try integer("SID_MAX_CONNECTIONS") { maxConnections = number }
        if let text = value("SID_DECODER") {
            guard let mode = DecoderMode(rawValue: text.lowercased()) else {
                throw ConfigurationError.invalid(name: "SID_DECODER", value: text, expected: DecoderMode.choices)
            }
            decoder = mode
        }
        if let number = try integer("SID_DECODER_MEMORY_MB") { decoderMemoryMegabytes = number }
        if let duration = try seconds("SID_DECODER_TIMEOUT") { decoderTimeout = duration }
        if let text = value("SID_API_KEYS_FILE") { apiKeysFile = text }
        if let number = try integer("SID_MAX_IN_FLIGHT_PER_KEY") { maxInFlightPerKey = number }
        if let text = value("SID_TLS_CERT") { tlsCertificate = text }
        if let text = value("SID_TLS_KEY") { tlsKey = text }
        if let text = value("SID_CORS_ORIGIN") {
            corsOrigins = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let text = value("SID_TLS_CIPHERS") { tlsCiphers = text }
        if let text = value("SID_LOG_LEVEL") {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError.invalid(name: "SID_LOG_LEVEL", value: text,
                                                 expected: Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
            }
            logLevel = level
        }
        if let text = value("SID_LOG_FORMAT") {
            guard let format = ServiceLogHandler.Format(rawValue: text.lowercased()) else {
                throw ConfigurationError.invalid(name: "SID_LOG_FORMAT", value: text, expected: ServiceLogHandler.Format.choices)
            }
            logFormat = format
        }
    }

    /// Checks ranges and pairs, naming the flag to fix.
    public func validate() throws {
        func require(_ condition: Bool, _ flag: String, _ expected: String, _ value: Any) throws {
            if !condition { throw ConfigurationError.invalid(name: flag, value: "\(value)", expected: expected) }
        }
        try require((0 ... 65535).contains(port), "--port", "0 to 65535", port)
        if let adminPort {
            try require((0 ... 65535).contains(adminPort), "--admin-port", "0 to 65535, or off", adminPort)
            try require(adminPort == 0 || adminPort != port, "--admin-port", "a port other than --port", adminPort)
        }
        try require((1 ... 10_000).contains(adminMaxConnections), "--admin-max-connections", "1 to 10000", adminMaxConnections)
        try require((1 ... 64).contains(workers), "--workers", "1 to 64", workers)
        try require((1 ... 256).contains(threadsPerWorker), "--threads", "1 to 256", threadsPerWorker)
        try require((0 ... 10_000).contains(queueCapacity), "--queue", "0 to 10000", queueCapacity)
        try require((1 ... 4096).contains(maxBodyMegabytes), "--max-body-mb", "1 to 4096", maxBodyMegabytes)
        try require((1 ... 1000).contains(maxMegapixels), "--max-megapixels", "1 to 1000", maxMegapixels)
        try require((1 ... 1024).contains(maxHeaderKilobytes), "--max-header-kb", "1 to 1024", maxHeaderKilobytes)
        try require((1 ... 100_000).contains(maxConnections), "--max-connections", "1 to 100000", maxConnections)
        for (flag, duration) in [("--request-timeout", requestTimeout), ("--header-timeout", headerTimeout),
                                 ("--body-idle-timeout", bodyIdleTimeout), ("--body-timeout", bodyTimeout),
                                 ("--keep-alive-timeout", keepAliveTimeout)] {
            try require(duration > .zero, flag, "more than 0 seconds", duration)
        }
        try require(gracePeriod >= .zero, "--grace-seconds", "0 or more seconds", gracePeriod)
        try require(decoderTimeout > .zero, "--decoder-timeout", "more than 0 seconds", decoderTimeout)
        if let decoderMemoryMegabytes {
            // Below about 256 MiB the helper cannot even start: the executable and its libraries reserve that much.
            // 0 sets no limit, for sanitizer runs (`DecoderIsolation.memoryLimitBytes`).
            try require(decoderMemoryMegabytes == 0 || (256 ... 1 << 20).contains(decoderMemoryMegabytes),
                        "--decoder-memory-mb", "256 to 1048576, or 0 for none (sanitizer runs only)", decoderMemoryMegabytes)
        }
        for origin in corsOrigins where origin != "*" {
            // An origin is scheme://host[:port], exactly as a browser sends it: no path, no trailing slash.
            let parts = origin.components(separatedBy: "://")
            try require(parts.count == 2 && ["http", "https"].contains(parts[0]) && !parts[1].isEmpty
                            && !parts[1].contains("/"), "--cors-origin", "an origin such as https://photos.example.com, or *", origin)
        }
        if let maxInFlightPerKey {
            try require((1 ... 10_000).contains(maxInFlightPerKey), "--max-in-flight-per-key", "1 to 10000", maxInFlightPerKey)
            try require(apiKeysFile != nil, "--max-in-flight-per-key", "used with --api-keys-file", maxInFlightPerKey)
        }
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ConfigurationError.incompleteTLS
        }
    }

    /// The configuration as log metadata, one key per setting.
    public var effectiveMetadata: Logger.Metadata {
        func seconds(_ duration: Duration) -> Logger.MetadataValue {
            let (whole, fraction) = duration.components
            return "\(Double(whole) + Double(fraction) / 1e18)"
        }
        return [
            "host": "\(host)", "port": "\(port)", "admin_port": "\(adminPort.map(String.init) ?? "off")",
            "weights": "\(weights.isEmpty ? "auto" : weights.joined(separator: ","))",
            "synthetic_weights": "\(syntheticWeights)",
            "workers": "\(workers)", "threads_per_worker": "\(threadsPerWorker)", "queue": "\(queueCapacity)",
            "cors_origins": "\(corsOrigins.isEmpty ? "none" : corsOrigins.joined(separator: ","))",
            "max_body_mb": "\(maxBodyMegabytes)", "max_megapixels": "\(maxMegapixels)", "max_header_kb": "\(maxHeaderKilobytes)",
            "request_timeout_s": seconds(requestTimeout), "grace_s": seconds(gracePeriod),
            "header_timeout_s": seconds(headerTimeout), "body_idle_timeout_s": seconds(bodyIdleTimeout),
            "body_timeout_s": seconds(bodyTimeout), "keep_alive_timeout_s": seconds(keepAliveTimeout),
            "max_connections": "\(maxConnections)", "decoder": "\(decoder.rawValue)",
            "decoder_memory_mb": "\(decoderMemoryBytes >> 20)", "decoder_timeout_s": seconds(decoderTimeout), "tls": "\(tlsCertificate != nil)", "log_level": "\(logLevel)",
            "log_format": "\(logFormat.rawValue)", "api_keys_file": "\(apiKeysFile ?? "none")",
            "max_in_flight_per_key": "\(maxInFlightPerKey.map(String.init) ?? "unlimited")",
        ]
    }
}

/// A `sid serve` setting that cannot be used, from a flag or an environment variable.
public enum ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// `name` is the flag or variable, `expected` what it should have been.
    case invalid(name: String, value: String, expected: String)
    case incompleteTLS

    public var description: String {
        switch self {
        case let .invalid(name, value, expected):
            return "\(name) is \"\(value)\", but it must be \(expected)"
        case .incompleteTLS:
            return "TLS needs both --tls-cert and --tls-key (or SID_TLS_CERT and SID_TLS_KEY)"
        }
    }
}
