import Foundation
import Prometheus
import SIDEngine

/// The service's Prometheus metrics, in a registry of its own so that several services can share a process.
///
/// Families (all names prefixed `sid_`, each with HELP text):
///   http_requests_total{route,status}, http_request_duration_seconds{route},
///   http_request_bytes_total{route}, http_response_bytes_total{route}, http_requests_in_flight,
///   stage_duration_seconds{stage=queue|decode|pack|forward|encode}, queue_depth, workers_busy, workers,
///   jobs_total{outcome=completed|failed|cancelled|expired|abandoned}, ready,
///   decoder_failures_total{kind=crash|timeout|memory|malfunction} (the isolated decoder process),
///   jobs_decoded_ahead_total (decoded while another job's forward pass ran on the same worker),
///   build_info{version}; and process_resident_memory_bytes,
///   process_open_fds, process_cpu_seconds_total, process_start_time_seconds, read at each scrape.
/// Every labelled series a rate() alert may watch exists at 0 from the start.
public final class ServiceMetrics: Sendable {
    /// Where every metric lives; `exposition()` renders it.
    public let registry: PrometheusCollectorRegistry
    private let queueDepth: Gauge
    private let busyWorkers: Gauge
    private let workers: Gauge
    private let inFlight: Gauge
    private let ready: Gauge
    private let decodedAhead: Counter
    private let residentMemory: Gauge
    private let openFileDescriptors: Gauge
    private let cpuSeconds: Gauge
    private let cpuSecondsLock = NSLock()

    /// The version `sid_build_info` reports.
    public static let version = "0.14.0"
    static let jobOutcomes = ["completed", "failed", "cancelled", "expired", "abandoned"]
    static let decoderFailureKinds = ["crash", "timeout", "memory", "malfunction"]
    static let stages = ["queue", "decode", "pack", "forward", "encode"]
    /// Statuses an alert watches, zeroed for POST /v1/enhance; other routes start with 200.
    static let enhanceStatuses = [200, 400, 401, 413, 415, 422, 429, 500, 503]

    // A full frame takes 5-30 s on a small box, a thumbnail-sized raw well under a second.
    private static let buckets: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                              .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                              .milliseconds(2500), .seconds(5), .seconds(10), .seconds(20), .seconds(30),
                                              .seconds(60), .seconds(120)]

    private enum Help {
        static let requests = "HTTP requests answered, by route and status (499: the client left first)."
        static let duration = "From a request's first byte to its response's last, by route."
        static let requestBytes = "Request bytes read from the wire (head, body, chunk framing), by route."
        static let responseBytes = "Response bytes written, by route."
        static let stage = "Time each enhancement spent per stage: queue, decode, pack, forward, encode."
        static let jobs = "Enhancement jobs by how they left the pool."
        static let decoderFailures = "Isolated decoder processes that crashed, timed out, ran out of memory or malfunctioned."
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        queueDepth = registry.makeGauge(descriptor: Self.named("sid_queue_depth", "Jobs waiting for a worker."))
        busyWorkers = registry.makeGauge(descriptor: Self.named("sid_workers_busy", "Workers running a job."))
        workers = registry.makeGauge(descriptor: Self.named("sid_workers", "Worker threads, each with its own engine."))
        inFlight = registry.makeGauge(descriptor: Self.named("sid_http_requests_in_flight", "Requests whose first byte has arrived and whose response is not written yet."))
        decodedAhead = registry.makeCounter(descriptor: Self.named("sid_jobs_decoded_ahead_total",
            "Jobs decoded while another job's forward pass ran on the same worker."))
        ready = registry.makeGauge(descriptor: Self.named("sid_ready", "1 when the service takes enhancements, 0 while starting or draining."))
        residentMemory = registry.makeGauge(descriptor: Self.named("process_resident_memory_bytes", "Resident memory size in bytes."))
        openFileDescriptors = registry.makeGauge(descriptor: Self.named("process_open_fds", "Number of open file descriptors."))
        cpuSeconds = registry.makeGauge(descriptor: Self.named("process_cpu_seconds_total", "Total user and system CPU time spent in seconds."))
        registry.makeGauge(descriptor: Self.named("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds."))
            .set(Self.processStartTime())
        registry.makeGauge(descriptor: Self.named("sid_build_info", "Always 1; the labels say which build is running."),
                           labels: [("version", Self.version)]).set(1.0)
        for gauge in [queueDepth, busyWorkers, workers, inFlight, ready] { gauge.set(0.0) }
        for outcome in Self.jobOutcomes { _ = jobs(outcome) }
        for kind in Self.decoderFailureKinds { _ = decoderFailures(kind) }
        for name in Self.stages { _ = stage(name) }
        for route in Route.allCases {
            _ = requestBytes(route.rawValue)
            _ = responseBytes(route.rawValue)
            _ = duration(route.rawValue)
            for status in route == .enhance ? Self.enhanceStatuses : [200] { _ = requests(route.rawValue, status) }
        }
    }

    /// One answered HTTP request.
    func recordRequest(route: String, status: Int, bytesIn: Int, bytesOut: Int, duration: Duration) {
        requests(route, status).increment()
        requestBytes(route).increment(by: Int64(bytesIn))
        responseBytes(route).increment(by: Int64(bytesOut))
        self.duration(route).record(duration)
    }

    /// The stages of one enhancement that ran.
    func recordStages(queueWait: Duration, timings: StageTimings) {
        stage("queue").record(queueWait)
        for (name, seconds) in [("decode", timings.decode), ("pack", timings.pack), ("forward", timings.forward),
                                ("encode", timings.encode)] {
            stage(name).record(.nanoseconds(Int64((max(seconds, 0) * 1e9).rounded())))
        }
    }

    /// How a job left the pool.
    func countJob(outcome: String) {
        jobs(outcome).increment()
    }

    /// One isolated decode that crashed, timed out, ran out of memory or malfunctioned.
    func countDecoderFailure(kind: String) {
        decoderFailures(kind).increment()
    }

    /// One job decoded while another job's forward pass ran on its worker.
    func countDecodedAhead() {
        decodedAhead.increment()
    }

    func setQueueDepth(_ count: Int) { queueDepth.set(Double(count)) }
    func setBusyWorkers(_ count: Int) { busyWorkers.set(Double(count)) }
    func setWorkers(_ count: Int) { workers.set(Double(count)) }
    func setInFlight(_ count: Int) { inFlight.set(Double(count)) }
    func setReady(_ isReady: Bool) { ready.set(isReady ? 1.0 : 0.0) }

    /// The Prometheus text exposition of every metric, process figures read now.
    public func exposition() -> [UInt8] {
        let process = ProcessFigures.read()
        residentMemory.set(Double(process.residentBytes))
        openFileDescriptors.set(Double(process.openFileDescriptors))
        cpuSeconds.set(process.cpuSeconds)
        return registry.emitToBuffer()
    }

    private func requests(_ route: String, _ status: Int) -> Counter {
        registry.makeCounter(descriptor: Self.named("sid_http_requests_total", Help.requests),
            labels: [("route", route), ("status", String(status))])
    }

    private func requestBytes(_ route: String) -> Counter {
        registry.makeCounter(descriptor: Self.named("sid_http_request_bytes_total", Help.requestBytes),
            labels: [("route", route)])
    }

    private func responseBytes(_ route: String) -> Counter {
        registry.makeCounter(descriptor: Self.named("sid_http_response_bytes_total", Help.responseBytes),
            labels: [("route", route)])
    }

    private func duration(_ route: String) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.named("sid_http_request_duration_seconds", Help.duration),
            labels: [("route", route)], buckets: Self.buckets)
    }

    private func stage(_ name: String) -> DurationHistogram {
        registry.makeDurationHistogram(descriptor: Self.named("sid_stage_duration_seconds", Help.stage),
            labels: [("stage", name)], buckets: Self.buckets)
    }

    private func jobs(_ outcome: String) -> Counter {
        registry.makeCounter(descriptor: Self.named("sid_jobs_total", Help.jobs), labels: [("outcome", outcome)])
    }

    private func decoderFailures(_ kind: String) -> Counter {
        registry.makeCounter(descriptor: Self.named("sid_decoder_failures_total", Help.decoderFailures),
            labels: [("kind", kind)])
    }

    /// A full metric name and its HELP text (the registry composes names from parts; these are whole).
    private static func named(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    private static func processStartTime() -> Double {
        // Field 22 of /proc/self/stat is the start in clock ticks after boot.
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")"),
              let ticks = Double(stat[stat.index(after: close)...].split(separator: " ").dropFirst(19).first ?? ""),
              let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let up = Double(uptime.split(separator: " ").first ?? "")
        else { return Date().timeIntervalSince1970 }
        let boot = Date().timeIntervalSince1970 - up
        return boot + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
