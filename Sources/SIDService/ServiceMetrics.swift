import Metrics
import Prometheus
import SIDEngine

/// The service's Prometheus metrics, in a registry of its own so that several services can share a process.
///
/// Families (all names prefixed `sid_`):
///   http_requests_total{route,status}, http_request_duration_seconds{route},
///   http_request_bytes_total{route}, http_response_bytes_total{route}, http_requests_in_flight,
///   stage_duration_seconds{stage=queue|decode|pack|forward|encode}, queue_depth, workers_busy, workers,
///   jobs_total{outcome=completed|failed|cancelled|expired|abandoned}, ready,
///   decoder_failures_total{kind=crash|timeout|memory|malfunction} (the isolated decoder process).
public final class ServiceMetrics: Sendable {
    /// Where every metric lives; `exposition()` renders it.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let queueDepth: Metrics.Gauge
    private let busyWorkers: Metrics.Gauge
    private let workers: Metrics.Gauge
    private let inFlight: Metrics.Gauge
    private let ready: Metrics.Gauge

    static let requestDuration = "sid_http_request_duration_seconds"
    static let stageDuration = "sid_stage_duration_seconds"

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // A full frame takes 5-30 s on a small box, a thumbnail-sized raw well under a second.
        let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                   .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                   .milliseconds(2500), .seconds(5), .seconds(10), .seconds(20), .seconds(30),
                                   .seconds(60), .seconds(120)]
        factory.durationHistogramBuckets = [Self.requestDuration: buckets, Self.stageDuration: buckets]
        self.factory = factory
        queueDepth = Metrics.Gauge(label: "sid_queue_depth", factory: factory)
        busyWorkers = Metrics.Gauge(label: "sid_workers_busy", factory: factory)
        workers = Metrics.Gauge(label: "sid_workers", factory: factory)
        inFlight = Metrics.Gauge(label: "sid_http_requests_in_flight", factory: factory)
        ready = Metrics.Gauge(label: "sid_ready", factory: factory)
        for gauge in [queueDepth, busyWorkers, workers, inFlight, ready] { gauge.record(0) }
    }

    /// One answered HTTP request.
    func recordRequest(route: String, status: Int, bytesIn: Int, bytesOut: Int, duration: Duration) {
        let byRoute = [("route", route)]
        Metrics.Counter(label: "sid_http_requests_total", dimensions: byRoute + [("status", String(status))],
                        factory: factory).increment()
        Metrics.Counter(label: "sid_http_request_bytes_total", dimensions: byRoute, factory: factory).increment(by: bytesIn)
        Metrics.Counter(label: "sid_http_response_bytes_total", dimensions: byRoute, factory: factory).increment(by: bytesOut)
        Metrics.Timer(label: Self.requestDuration, dimensions: byRoute, factory: factory).record(duration: duration)
    }

    /// The stages of one enhancement that ran.
    func recordStages(queueWait: Duration, timings: StageTimings) {
        stage("queue").record(duration: queueWait)
        for (name, seconds) in [("decode", timings.decode), ("pack", timings.pack), ("forward", timings.forward),
                                ("encode", timings.encode)] {
            stage(name).recordSeconds(seconds)
        }
    }

    /// How a job left the pool.
    func countJob(outcome: String) {
        Metrics.Counter(label: "sid_jobs_total", dimensions: [("outcome", outcome)], factory: factory).increment()
    }

    /// One isolated decode that crashed, timed out, ran out of memory or malfunctioned.
    func countDecoderFailure(kind: String) {
        Metrics.Counter(label: "sid_decoder_failures_total", dimensions: [("kind", kind)], factory: factory).increment()
    }

    func setQueueDepth(_ count: Int) { queueDepth.record(count) }
    func setBusyWorkers(_ count: Int) { busyWorkers.record(count) }
    func setWorkers(_ count: Int) { workers.record(count) }
    func setInFlight(_ count: Int) { inFlight.record(count) }
    func setReady(_ isReady: Bool) { ready.record(isReady ? 1 : 0) }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    private func stage(_ name: String) -> Metrics.Timer {
        Metrics.Timer(label: Self.stageDuration, dimensions: [("stage", name)], factory: factory)
    }
}
