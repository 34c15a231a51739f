import Foundation
import Logging
import SIDEngine
import SIDHTTP

/// The `sid serve` application: an HTTP server whose enhancement requests go through a bounded queue to a
/// pool of workers, with health and readiness probes, Prometheus metrics and a graceful shutdown.
///
/// Life: `start()` listens (healthz 200, readyz 503), `load(_:)` starts the workers and warms them up (readyz
/// 200), `shutdown(grace:)` turns readiness off, stops accepting, lets the work in flight and queued finish.
public final class EnhanceService: @unchecked Sendable {
    public let configuration: ServiceConfiguration
    /// The service's own metrics registry (what GET /metrics shows).
    public let metrics = ServiceMetrics()
    private let logger: Logger
    private let state = ServiceState()
    private let server: HTTPServer
    /// Probes and metrics on a listener of their own (`adminPort`), so client traffic cannot starve them.
    private let adminServer: HTTPServer?
    private let keys: APIKeyGate?
    // Guards `listenerClosed`: draining is reported once the listener is really closed, not when it is decided.
    private let drainLock = NSLock()
    private var listenerClosed = false

    /// How long, after the grace period, the connections of abandoned jobs get to write their 503.
    static let answerTime: Duration = .seconds(2)

    /// Prepares the server; nothing listens until `start()`.
    public init(configuration: ServiceConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        keys = configuration.apiKeysFile.map { APIKeyGate(path: $0, maxInFlightPerKey: configuration.maxInFlightPerKey) }
        var handler = ServiceHandler(state: state, metrics: metrics, queueTimeout: configuration.requestTimeout,
                                     logger: logger)
        handler.keys = keys
        handler.maxPixels = configuration.maxMegapixels * 1_000_000
        handler.cors = CORSPolicy(allowedOrigins: configuration.corsOrigins)
        handler.limits = ServiceLimits(configuration: configuration).json
        let tls = configuration.tlsCertificate.flatMap { certificate in
            configuration.tlsKey.map { HTTPServer.TLSConfiguration(certificateChainPath: certificate, privateKeyPath: $0,
                                                                  cipherList: configuration.tlsCiphers) }
        }
        let serverConfiguration = HTTPServer.Configuration(
            host: configuration.host, port: configuration.port, maxConnections: configuration.maxConnections,
            limits: HTTPParserLimits(maxHeaderBytes: configuration.maxHeaderKilobytes * 1024,
                                     maxBodyBytes: configuration.maxBodyBytes),
            headerReadTimeout: configuration.headerTimeout, bodyIdleTimeout: configuration.bodyIdleTimeout,
            bodyTotalTimeout: configuration.bodyTimeout, keepAliveIdleTimeout: configuration.keepAliveTimeout,
            tls: tls, logger: logger)
        server = HTTPServer(configuration: serverConfiguration, handler: handler)
        adminServer = configuration.adminPort.map { adminPort in
            var admin = handler
            admin.isAdmin = true
            var adminConfiguration = serverConfiguration
            adminConfiguration.port = adminPort
            adminConfiguration.maxConnections = configuration.adminMaxConnections
            // Probes send no body; a short header timeout frees a slot a stuck client holds.
            adminConfiguration.limits = HTTPParserLimits(maxHeaderBytes: configuration.maxHeaderKilobytes * 1024,
                                                         maxBodyBytes: 1024)
            adminConfiguration.headerReadTimeout = min(configuration.headerTimeout, .seconds(5))
            return HTTPServer(configuration: adminConfiguration, handler: admin)
        }
    }

    /// Binds and starts answering: probes and metrics at once, enhancements once `load` has finished.
    public func start() throws {
        if let keys {
            let count = try keys.reload()
            logger.info("API keys loaded: /v1/* needs one", metadata: ["keys": "\(count)", "file": "\(keys.path)"])
        } else if !configuration.bindsLoopbackOnly {
            logger.warning("no API keys (--api-keys-file): anyone who can reach \(configuration.host):\(configuration.port) may call /v1/*")
        }
        try adminServer?.start()
        do {
            try server.start()
        } catch {
            adminServer?.stop()
            throw error
        }
    }

    /// The bound port (the kernel's choice when configured as 0).
    public var port: Int { server.port }

    /// Reads the API keys file again (SIGHUP); on error the keys in use stay and false is returned.
    @discardableResult
    public func reloadAPIKeys() -> Bool {
        guard let keys else { return false }
        do {
            let count = try keys.reload()
            logger.notice("API keys reloaded", metadata: ["keys": "\(count)"])
            return true
        } catch {
            logger.error("API keys not reloaded, the previous keys stay in use", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The admin listener's bound port; nil when there is none.
    public var adminPort: Int? { adminServer?.port }

    /// Whether readiness is reported (loaded, warmed up, not draining).
    public var isReady: Bool { state.phase == .ready }

    /// Requests whose first byte has arrived and whose response has not been fully written.
    public var inFlightRequests: Int { server.inFlightRequestCount }

    /// Whether `beginDraining()` or `shutdown(grace:)` has closed the main listener.
    public var isDraining: Bool {
        drainLock.lock()
        defer { drainLock.unlock() }
        return listenerClosed
    }

    /// Starts the workers on `registry` and returns once each has run a warm-up inference; then the service is ready.
    public func load(_ registry: ModelRegistry) throws {
        let pool = WorkerPool(registry: registry, workers: configuration.workers,
                              threadsPerWorker: configuration.threadsPerWorker,
                              maxPixels: configuration.maxMegapixels * 1_000_000, capacity: configuration.queueCapacity,
                              metrics: metrics, logger: logger, decoding: configuration.decodingStrategy)
        let started = ContinuousClock.now
        do {
            try pool.start()
        } catch {
            pool.stop()
            throw error
        }
        guard state.becomeReady(pool: pool, models: registry.models) else {
            logger.notice("loaded while shutting down: not becoming ready")
            return
        }
        metrics.setReady(true)
        logger.info("ready", metadata: [
            "models": "\(registry.models.map(\.name).joined(separator: ","))",
            "default_model": "\(state.defaultModel)",
            "warm_up_s": "\(String(format: "%.2f", WorkerPool.seconds(ContinuousClock.now - started)))",
            "port": "\(port)", "admin_port": "\(adminPort.map(String.init) ?? "off")",
        ])
    }

    /// Readiness turns 503, the listener closes, idle connections close; requests in flight go on.
    public func beginDraining() {
        guard state.beginDraining() else { return }
        metrics.setReady(false)
        logger.notice("draining: readiness is off and no new connections are accepted", metadata: [
            "in_flight": "\(server.inFlightRequestCount)", "queued": "\(state.pool?.queueDepth ?? 0)",
        ])
        server.beginDraining()
        drainLock.lock()
        listenerClosed = true
        drainLock.unlock()
    }

    /// Drains, waits up to `grace` for requests in flight and queued, then stops everything.
    /// Returns false if work was still going on when the grace period ran out: jobs queued or running are then
    /// answered 503 (Retry-After) and requests still uploading are cut off.
    @discardableResult
    public func shutdown(grace: Duration) -> Bool {
        beginDraining()
        let finished = server.waitUntilIdle(timeout: grace)
        if !finished {
            let abandoned = state.pool?.abandon(with: .draining) ?? (queued: 0, running: 0)
            logger.warning("grace period over: answering the remaining jobs 503", metadata: [
                "in_flight": "\(server.inFlightRequestCount)", "abandoned_queued": "\(abandoned.queued)",
                "abandoned_running": "\(abandoned.running)",
            ])
            // The connections of abandoned jobs write their 503 now; only uploads still arriving hold this up.
            _ = server.waitUntilIdle(timeout: Self.answerTime)
        }
        state.pool?.stop()
        server.stop()
        // Last: probes answer (readiness 503) for the whole drain.
        adminServer?.stop()
        logger.notice("stopped", metadata: ["clean": "\(finished)"])
        return finished
    }
}
