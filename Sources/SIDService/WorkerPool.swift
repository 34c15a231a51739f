import Foundation
import Logging
import SIDEngine
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples

/// A bounded queue in front of long-lived worker threads, each owning one `Enhancer` (and so its network
/// buffers) for its whole life. Connection threads submit complete requests and wait; workers never see a
/// socket, so a slow client can hold a connection thread but never a worker.
final class WorkerPool: @unchecked Sendable {
    /// What became of a submission.
    enum Submission: Equatable {
        case accepted
        /// Every worker is busy and `capacity` jobs already wait.
        case queueFull
        /// The pool is shutting down.
        case stopped
    }

    let workerCount: Int
    /// Jobs that may wait for a worker.
    let capacity: Int
    private let registry: ModelRegistry
    private let threadsPerWorker: Int
    private let maxPixels: Int
    private let decoding: DecodingStrategy
    private let metrics: ServiceMetrics
    private let logger: Logger

    // Guards everything below.
    private let condition = NSCondition()
    private var queue: [EnhanceJob] = []
    /// Jobs a worker has taken and not finished.
    private var started: [ObjectIdentifier: EnhanceJob] = [:]
    private var busy = 0
    private var warmed = 0
    private var warmUpFailure: String?
    private var running = 0
    private var stopping = false

    init(registry: ModelRegistry, workers: Int, threadsPerWorker: Int, maxPixels: Int,
         capacity: Int, metrics: ServiceMetrics, logger: Logger, decoding: DecodingStrategy = .inProcess) {
        self.registry = registry
        workerCount = workers
        self.threadsPerWorker = threadsPerWorker
        self.maxPixels = maxPixels
        self.decoding = decoding
        self.capacity = capacity
        self.metrics = metrics
        self.logger = logger
    }

    /// Starts the workers and returns once every one has run a warm-up inference, or throws why one could not.
    func start() throws {
        // Small synthetic raws take the whole path (LibRaw, packing, network, PNG) before the first request does:
        // a Bayer one for sid-sony (or the baseline when no network is loaded), an X-Trans one for sid-fuji.
        var warmUpRaws: [Data] = []
        if registry.networks.isEmpty || registry.networks[SIDModel.sony.rawValue] != nil {
            warmUpRaws.append(try SyntheticScene(seed: 7, width: 128, height: 128).makeDNG())
        }
        if registry.networks[SIDModel.fuji.rawValue] != nil {
            warmUpRaws.append(try SyntheticScene.fujiXTrans(seed: 7, width: 132, height: 132).makeDNG())
        }
        let samples = warmUpRaws
        condition.lock()
        running = workerCount
        condition.unlock()
        metrics.setWorkers(workerCount)
        for index in 0 ..< workerCount {
            let thread = Thread { [self] in work(index: index, samples: samples) }
            thread.name = "sid-worker-\(index)"
            thread.start()
        }
        condition.lock()
        defer { condition.unlock() }
        while warmed < workerCount, warmUpFailure == nil {
            condition.wait()
        }
        if let warmUpFailure { throw ServiceError.internalError("the warm-up inference failed: \(warmUpFailure)") }
    }

    /// Queues a job unless the queue is full or the pool is stopping.
    func submit(_ job: EnhanceJob) -> Submission {
        condition.lock()
        defer { condition.unlock() }
        guard !stopping else { return .stopped }
        guard hasRoomLocked else { return .queueFull }
        queue.append(job)
        metrics.setQueueDepth(queue.count)
        condition.broadcast()
        return .accepted
    }

    /// Whether a job submitted now would be accepted (a hint: the answer may change a moment later).
    var hasRoom: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopping && hasRoomLocked
    }

    /// Jobs waiting for a worker.
    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Takes a job out of the queue if no worker has started it; false if one has (or it is done).
    func cancel(_ job: EnhanceJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let index = queue.firstIndex(where: { $0 === job }) else { return false }
        queue.remove(at: index)
        metrics.setQueueDepth(queue.count)
        return true
    }

    /// Lets the workers finish what is queued and running, then end; new submissions are refused.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops, answers every job still queued and every job being run with `error` (a running job's own result
    /// is then dropped), and returns how many of each there were.
    func abandon(with error: ServiceError) -> (queued: Int, running: Int) {
        condition.lock()
        stopping = true
        let queued = queue
        let running = Array(started.values)
        queue.removeAll()
        metrics.setQueueDepth(0)
        condition.broadcast()
        condition.unlock()
        for job in queued + running {
            metrics.countJob(outcome: "abandoned")
            job.finish(.failure(error))
        }
        for job in running { job.cancellation.cancel() }
        return (queued.count, running.count)
    }

    /// Waits until every worker thread has ended (after `stop()`); false on timeout.
    func waitUntilStopped(timeout: Duration) -> Bool {
        let limit = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while running > 0 {
            if !condition.wait(until: limit) { return running == 0 }
        }
        return true
    }

    // A worker that is idle takes a job at once, so each idle worker is one more place.
    private var hasRoomLocked: Bool {
        queue.count < capacity + (workerCount - busy)
    }

    /// Jobs with more output pixels than this leave buffers (network rings, output image) sized for them;
    /// the worker then starts over with a fresh engine rather than hold them while idle.
    var outsizedPixels: Int { maxPixels / 4 }

    private func work(index: Int, samples: [Data]) {
        var enhancer = Enhancer(registry: registry, threads: threadsPerWorker, maxPixels: maxPixels,
                                decoding: decoding)
        let warmStart = ContinuousClock.now
        do {
            try enhancer.warmUp()
            for sample in samples { _ = try enhancer.enhance(sample, options: EnhanceOptions(ratio: .fixed(100))) }
            logger.debug("worker warmed up", metadata: [
                "worker": "\(index)", "seconds": "\(Self.seconds(ContinuousClock.now - warmStart))",
            ])
            condition.lock()
            warmed += 1
        } catch {
            logger.error("warm-up failed", metadata: ["worker": "\(index)", "error": "\(error)"])
            condition.lock()
            warmUpFailure = warmUpFailure ?? "\(error)"
            stopping = true
        }
        condition.broadcast()
        condition.unlock()

        while let job = next() {
            job.markStarted()
            let outcome: Result<EnhanceResult, ServiceError>
            if ContinuousClock.now > job.deadline {
                // Its client has been told, or is about to be told, that it waited too long.
                metrics.countJob(outcome: "expired")
                outcome = .failure(.queueTimeout(seconds: Self.seconds(job.deadline - job.submitted)))
            } else {
                do {
                    var options = job.options
                    options.cancellation = job.cancellation
                    let result = try job.raw.withUnsafeBytes { try enhancer.enhance($0, options: options) }
                    metrics.countJob(outcome: "completed")
                    metrics.recordStages(queueWait: job.queueWait ?? .zero, timings: result.timings)
                    outcome = .success(result)
                } catch let error as EngineError {
                    metrics.countJob(outcome: "failed")
                    if case let .decoderFailure(failure) = error, let kind = failure.decoderFailureKind {
                        metrics.countDecoderFailure(kind: kind)
                        logger.warning("the raw decoder failed", metadata: ["kind": "\(kind)", "error": "\(failure)"])
                    }
                    outcome = .failure(ServiceError(error))
                } catch UNetError.cancelled {
                    // Its client left (or the drain gave up on it); nobody reads this answer.
                    metrics.countJob(outcome: "cancelled")
                    outcome = .failure(.clientClosed)
                } catch {
                    metrics.countJob(outcome: "failed")
                    outcome = .failure(.internalError("\(error)"))
                }
            }
            job.finish(outcome)
            if case let .success(result) = outcome, result.width * result.height > outsizedPixels {
                enhancer = Enhancer(registry: registry, threads: threadsPerWorker, maxPixels: maxPixels, decoding: decoding)
                logger.debug("released the buffers of an outsized job", metadata: [
                    "worker": "\(index)", "pixels": "\(result.width * result.height)",
                ])
            }
            condition.lock()
            started[ObjectIdentifier(job)] = nil
            busy -= 1
            metrics.setBusyWorkers(busy)
            let idle = busy == 0 && queue.isEmpty
            condition.unlock()
            if idle { returnFreeMemory() }
        }

        condition.lock()
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// Hands the heap's free pages back to the kernel once no job runs: glibc keeps freed memory of big
    /// uploads and images (its mmap threshold grows to 32 MB) otherwise, and idle RSS stays at the peak.
    private func returnFreeMemory() {
        let before = ProcessFigures.residentBytes()
        _ = Self.mallocTrim?(0)
        logger.debug("returned free memory", metadata: [
            "rss_before_mb": "\(before >> 20)", "rss_after_mb": "\(ProcessFigures.residentBytes() >> 20)",
        ])
    }

    /// glibc's malloc_trim, which Swift's Glibc module does not declare; nil under another libc.
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()

    /// The next job, marking this worker busy; nil once stopping with nothing left to do.
    private func next() -> EnhanceJob? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty {
            if stopping { return nil }
            condition.wait()
        }
        let job = queue.removeFirst()
        started[ObjectIdentifier(job)] = job
        busy += 1
        metrics.setQueueDepth(queue.count)
        metrics.setBusyWorkers(busy)
        return job
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// One enhancement handed from a connection thread to a worker, and its answer handed back.
final class EnhanceJob: @unchecked Sendable {
    let raw: ArraySlice<UInt8>
    let options: EnhanceOptions
    /// Set when nobody waits for the answer any more: the worker stops the forward pass at its next rows.
    let cancellation = CancellationFlag()
    let submitted = ContinuousClock.now
    /// A job still queued at this instant is dropped instead of run.
    let deadline: ContinuousClock.Instant

    // Guards everything below.
    private let condition = NSCondition()
    private var startedAt: ContinuousClock.Instant?
    private var result: Result<EnhanceResult, ServiceError>?

    init(raw: ArraySlice<UInt8>, options: EnhanceOptions, queueTimeout: Duration) {
        self.raw = raw
        self.options = options
        deadline = submitted + queueTimeout
    }

    /// Time spent waiting for a worker; nil while still queued.
    var queueWait: Duration? {
        condition.lock()
        defer { condition.unlock() }
        return startedAt.map { $0 - submitted }
    }

    func markStarted() {
        condition.lock()
        startedAt = .now
        condition.unlock()
    }

    /// Hands the answer to whoever waits; only the first answer counts.
    func finish(_ outcome: Result<EnhanceResult, ServiceError>) {
        condition.lock()
        if result == nil { result = outcome }
        condition.broadcast()
        condition.unlock()
    }

    /// The answer if it comes within `timeout`, else nil (so the caller can look at its client in between).
    func waitForResult(timeout: Duration) -> Result<EnhanceResult, ServiceError>? {
        let limit = Date(timeIntervalSinceNow: Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while result == nil {
            if !condition.wait(until: limit) { break }
        }
        return result
    }
}
