import ArgumentParser
import Dispatch
import Foundation
import Logging
import SIDEngine
import SIDModel
import SIDNetwork
import SIDSamples
import SIDService

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP service: POST a raw to /v1/enhance, get a PNG.",
        discussion: """
            Every option can also be set by an environment variable (the option wins): SID_HOST, SID_PORT, \
            SID_ADMIN_PORT, SID_WEIGHTS (comma-separated), SID_SYNTHETIC_WEIGHTS, SID_WORKERS, SID_THREADS, SID_QUEUE, \
            SID_MAX_BODY_MB, SID_MAX_MEGAPIXELS, SID_MAX_HEADER_KB, SID_REQUEST_TIMEOUT, SID_GRACE_SECONDS, \
            SID_HEADER_TIMEOUT, SID_BODY_IDLE_TIMEOUT, SID_BODY_TIMEOUT, SID_KEEP_ALIVE_TIMEOUT, \
            SID_MAX_CONNECTIONS, SID_DECODER, SID_DECODER_MEMORY_MB, SID_DECODER_TIMEOUT, SID_TLS_CERT, \
            SID_TLS_KEY, SID_TLS_CIPHERS, SID_LOG_LEVEL, SID_LOG_FORMAT, SID_API_KEYS_FILE, SID_MAX_IN_FLIGHT_PER_KEY, \
            SID_CORS_ORIGIN (comma-separated).
            With --api-keys-file, /v1/* needs Authorization: Bearer KEY (or X-API-Key: KEY); SIGHUP rereads the file.
            Routes: POST /v1/enhance, GET /v1/models, /v1/limits, /openapi.json, /healthz, /readyz, /metrics and / (a page \
            to try it); /healthz, /readyz and /metrics also on the admin port, which client traffic cannot starve.
            SIGTERM or SIGINT: readiness turns 503, no new connections, work in flight finishes within the \
            grace period, exit 0; past it, queued and running jobs are answered 503 and the exit status is 3.
            """)

    @Option(help: "Address to listen on (SID_HOST; default 0.0.0.0).")
    var host: String?

    @Option(help: "TCP port; 0 picks a free one (SID_PORT; default 8080).")
    var port: Int?

    @Option(help: "Port of the admin listener for /healthz, /readyz and /metrics, with its own connection cap; off for none (SID_ADMIN_PORT; default 9090).")
    var adminPort: String?

    @Option(help: "A converted weights file, repeatable (SID_WEIGHTS; default weights/sid-sony.safetensors, else the baseline model).")
    var weights: [String] = []

    @Flag(help: "Random full-width U-Net weights instead of a file: for benchmarks only, the images are meaningless (SID_SYNTHETIC_WEIGHTS).")
    var syntheticWeights = false

    @Option(help: "Worker threads, each with its own engine (SID_WORKERS; default 1).")
    var workers: Int?

    @Option(help: "Compute threads per worker (SID_THREADS; default: the core count).")
    var threads: Int?

    @Option(help: "Jobs that may wait for a worker; one more gets 503 at once (SID_QUEUE; default 4).")
    var queue: Int?

    @Option(help: "Largest upload in MiB, larger gets 413 (SID_MAX_BODY_MB; default 200).")
    var maxBodyMb: Int?

    @Option(help: "Largest raw in megapixels, larger gets 422 (SID_MAX_MEGAPIXELS; default 64).")
    var maxMegapixels: Int?

    @Option(help: "Most KiB of request header fields, more gets 431 (SID_MAX_HEADER_KB; default 32).")
    var maxHeaderKb: Int?

    @Option(help: "Seconds a job may wait for a worker before it is dropped with 503 (SID_REQUEST_TIMEOUT; default 120).")
    var requestTimeout: Double?

    @Option(help: "Seconds SIGTERM/SIGINT waits for work in flight before exiting (SID_GRACE_SECONDS; default 30).")
    var graceSeconds: Double?

    @Option(help: "Seconds allowed for a request head, else 408 (SID_HEADER_TIMEOUT; default 10).")
    var headerTimeout: Double?

    @Option(help: "Longest pause in an upload, in seconds, else 408 (SID_BODY_IDLE_TIMEOUT; default 30).")
    var bodyIdleTimeout: Double?

    @Option(help: "Seconds allowed for a whole upload, else 408 (SID_BODY_TIMEOUT; default 300).")
    var bodyTimeout: Double?

    @Option(help: "Seconds an idle kept-alive connection stays open (SID_KEEP_ALIVE_TIMEOUT; default 60).")
    var keepAliveTimeout: Double?

    @Option(help: "Connections served at once, more get 503 (SID_MAX_CONNECTIONS; default 64).")
    var maxConnections: Int?

    @Option(help: "Where LibRaw runs: isolated (a process per decode; a file that crashes or hangs it gets 422 and the service carries on) or in-process (SID_DECODER; default isolated).")
    var decoder: String?

    @Option(help: "Memory limit of the isolated decoder in MiB (SID_DECODER_MEMORY_MB; default: sized from --max-megapixels and --max-body-mb).")
    var decoderMemoryMb: Int?

    @Option(help: "Seconds the isolated decoder may take per file before it is killed and the request gets 422 (SID_DECODER_TIMEOUT; default 60).")
    var decoderTimeout: Double?

    @Option(help: "API keys for /v1/*, one per line or sha256:<hex>; SIGHUP rereads it (SID_API_KEYS_FILE; default: no keys, anyone may call).")
    var apiKeysFile: String?

    @Option(help: "Enhancements one API key may have in flight, more get 429 (SID_MAX_IN_FLIGHT_PER_KEY; default no limit).")
    var maxInFlightPerKey: Int?

    @Option(help: "PEM certificate chain: serve HTTPS (SID_TLS_CERT; needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert (SID_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "An origin a browser app may call the API from, repeatable, or * for any (SID_CORS_ORIGIN, comma-separated; default none).")
    var corsOrigin: [String] = []
    @Option(help: "TLS 1.2 cipher suites in OpenSSL syntax (SID_TLS_CIPHERS; default Mozilla intermediate: ECDHE/DHE with AES-GCM or ChaCha20-Poly1305 only).")
    var tlsCiphers: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (SID_LOG_LEVEL; default info).")
    var logLevel: String?

    @Option(help: "text (escaped key=value lines) or json (one object per line) (SID_LOG_FORMAT; default text).")
    var logFormat: String?

    /// Refuses bad flags and SID_* variables before anything starts, with the usage of `sid serve`.
    func validate() throws {
        _ = try resolvedConfiguration()
    }

    func run() throws {
        let configuration = try resolvedConfiguration()
        let level = configuration.logLevel, format = configuration.logFormat
        LoggingSystem.bootstrap { label in ServiceLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "sid.serve")
        logger.info("starting sid serve", metadata: configuration.effectiveMetadata)

        let service = EnhanceService(configuration: configuration, logger: logger)
        let stopRequested = DispatchSemaphore(value: 0)
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT]) { number in
            if service.isDraining {
                logger.warning("second \(SignalWatcher.name(of: number)): exiting now")
                Foundation.exit(1)
            }
            logger.notice("\(SignalWatcher.name(of: number)) received: shutting down")
            service.beginDraining()
            stopRequested.signal()
        }
        defer { signals.cancel() }
        let reloads = SignalWatcher(signals: [SIGHUP]) { _ in service.reloadAPIKeys() }
        defer { reloads.cancel() }

        do {
            try service.start()
            let registry = try makeRegistry(configuration, logger: logger)
            try service.load(registry)
        } catch {
            logger.critical("cannot serve", metadata: ["error": "\(error)"])
            service.shutdown(grace: .zero)
            throw ExitCode.failure
        }
        stopRequested.wait()
        // Work cut off by the grace period is a failed shutdown, for whoever watches the exit status.
        guard service.shutdown(grace: configuration.gracePeriod) else { throw ExitCode(3) }
    }

    /// Defaults, then SID_* variables, then flags.
    func resolvedConfiguration() throws -> ServiceConfiguration {
        var configuration = ServiceConfiguration()
        do {
            try configuration.apply(environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("\(error)")
        }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let adminPort {
            if adminPort.lowercased() == "off" {
                configuration.adminPort = nil
            } else {
                guard let number = Int(adminPort) else { throw ValidationError("--admin-port must be a port number or off") }
                configuration.adminPort = number
            }
        }
        if !weights.isEmpty { configuration.weights = weights }
        if syntheticWeights { configuration.syntheticWeights = true }
        if let workers { configuration.workers = workers }
        if let threads { configuration.threadsPerWorker = threads }
        if let queue { configuration.queueCapacity = queue }
        if let maxBodyMb { configuration.maxBodyMegabytes = maxBodyMb }
        if let maxMegapixels { configuration.maxMegapixels = maxMegapixels }
        if let maxHeaderKb { configuration.maxHeaderKilobytes = maxHeaderKb }
        if let requestTimeout { configuration.requestTimeout = ServiceConfiguration.duration(seconds: requestTimeout) }
        if let graceSeconds { configuration.gracePeriod = ServiceConfiguration.duration(seconds: graceSeconds) }
        if let headerTimeout { configuration.headerTimeout = ServiceConfiguration.duration(seconds: headerTimeout) }
        if let bodyIdleTimeout { configuration.bodyIdleTimeout = ServiceConfiguration.duration(seconds: bodyIdleTimeout) }
        if let bodyTimeout { configuration.bodyTimeout = ServiceConfiguration.duration(seconds: bodyTimeout) }
        if let keepAliveTimeout { configuration.keepAliveTimeout = ServiceConfiguration.duration(seconds: keepAliveTimeout) }
        if let maxConnections { configuration.maxConnections = maxConnections }
        if let decoder {
            guard let mode = DecoderMode(rawValue: decoder.lowercased()) else {
                throw ValidationError("--decoder must be \(DecoderMode.choices)")
            }
            configuration.decoder = mode
        }
        if let decoderMemoryMb { configuration.decoderMemoryMegabytes = decoderMemoryMb }
        if let decoderTimeout { configuration.decoderTimeout = ServiceConfiguration.duration(seconds: decoderTimeout) }
        if let apiKeysFile { configuration.apiKeysFile = apiKeysFile }
        if let maxInFlightPerKey { configuration.maxInFlightPerKey = maxInFlightPerKey }
        if let tlsCert { configuration.tlsCertificate = tlsCert }
        if let tlsKey { configuration.tlsKey = tlsKey }
        if !corsOrigin.isEmpty { configuration.corsOrigins = corsOrigin }
        if let tlsCiphers { configuration.tlsCiphers = tlsCiphers }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
                throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            configuration.logLevel = level
        }
        if let logFormat {
            guard let format = ServiceLogHandler.Format(rawValue: logFormat.lowercased()) else {
                throw ValidationError("--log-format must be \(ServiceLogHandler.Format.choices)")
            }
            configuration.logFormat = format
        }
        do {
            try configuration.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return configuration
    }

    /// The weights to serve: synthetic, the files found, or the baseline alone (said in the log).
    private func makeRegistry(_ configuration: ServiceConfiguration, logger: Logger) throws -> ModelRegistry {
        if configuration.syntheticWeights {
            logger.warning("serving SYNTHETIC weights (--synthetic-weights): for benchmarks only, the images are meaningless")
            return ModelRegistry(networks: [SIDModel.sony.rawValue: SyntheticWeights.model(SIDArchitecture(model: .sony))])
        }
        let location = WeightsLocation(explicit: configuration.weights)
        if let notice = location.notice {
            logger.notice("\(notice)")
        } else {
            logger.info("loading weights", metadata: ["files": "\(location.files.joined(separator: ","))"])
        }
        return try ModelRegistry(weightFiles: location.files)
    }
}
