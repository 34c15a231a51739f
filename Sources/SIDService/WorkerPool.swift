import Foundation
import Logging
import SIDEngine
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples

/// A bounded queue in front of long-lived workers, each owning one `Enhancer` (and so its network buffers) for
/// its whole life. Connection threads submit complete requests and wait; workers never see a socket, so a slow
/// client can hold a connection thread but never a worker.
///
/// A worker is two threads: one decodes (LibRaw, usually in its helper process) and hands the job over, the
/// other packs, runs the network and encodes. While the second runs a forward pass, the first may take the next
/// job from the queue and decode it, so that job's forward pass starts the moment this one ends. It holds at
/// most one such job ahead, and only when no worker is free to start it at once; a job decoded ahead still
/// counts as queued (capacity, depth, cancellation, deadline) until its forward pass starts.
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
    private var slots: [Slot] = []
    private var busy = 0
    private var warmed = 0
    private var warmUpFailure: String?
    private var running = 0
    private var stopping = false

    /// What one worker holds: the job its decoding thread took (decoding, or decoded and waiting) and the job its
    /// network thread runs.
    private struct Slot {
        var ahead: EnhanceJob?
        /// The decoding thread's answer for `ahead`; nil while it decodes.
        var decoded: Result<DecodedRaw, Error>?
        /// `ahead` was taken back (its client left or it expired while waiting): dropped, not run.
        var withdrawn = false
        var current: EnhanceJob?

        var isFree: Bool { ahead == nil && current == nil }
        /// A job decoded ahead behind a forward pass, still waiting like a queued one.
        var waiting: EnhanceJob? { current != nil ? ahead : nil }
    }

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
        running = 2 * workerCount
        slots = [Slot](repeating: Slot(), count: workerCount)
        condition.unlock()
        metrics.setWorkers(workerCount)
        for index in 0 ..< workerCount {
            let thread = Thread { [self] in work(index: index, samples: samples) }
            thread.name = "sid-worker-\(index)"
            thread.start()
            let decoder = Thread { [self] in decode(index: index) }
            decoder.name = "sid-decoder-\(index)"
            decoder.start()
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
        metrics.setQueueDepth(waitingLocked)
        condition.broadcast()
        return .accepted
    }

    /// Whether a job submitted now would be accepted (a hint: the answer may change a moment later).
    var hasRoom: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !stopping && hasRoomLocked
    }

    /// Jobs waiting for a worker, decoded ahead or not.
    var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return waitingLocked
    }

    /// Takes a job back if no worker has started it (queued, or decoded ahead behind another job's forward pass);
    /// false if one has (or it is done).
    func cancel(_ job: EnhanceJob) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if let index = queue.firstIndex(where: { $0 === job }) {
            queue.remove(at: index)
        } else if let index = slots.firstIndex(where: { $0.waiting === job && !$0.withdrawn }) {
            withdrawLocked(index)
        } else {
            return false
        }
        metrics.setQueueDepth(waitingLocked)
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
        var queued = queue
        var running = Array(started.values)
        queue.removeAll()
        for index in slots.indices {
            guard let ahead = slots[index].ahead, !slots[index].withdrawn else { continue }
            // Decoding for a free worker it counts as running, behind a forward pass as queued; either way it is dropped.
            if slots[index].current == nil { running.append(ahead) } else { queued.append(ahead) }
            withdrawLocked(index)
        }
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

    // A free worker takes a job at once, so each free worker is one more place.
    private var hasRoomLocked: Bool {
        waitingLocked < capacity + slots.filter(\.isFree).count
    }

    /// Jobs that wait for a forward pass: queued, or decoded ahead behind another job's.
    private var waitingLocked: Int {
        queue.count + slots.filter { $0.waiting != nil && !$0.withdrawn }.count
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

        while let (job, decoded) = next(index: index) {
            let outcome: Result<EnhanceResult, ServiceError>
            if case .failure(is Expired) = decoded {
                // Its client has been told, or is about to be told, that it waited too long.
                metrics.countJob(outcome: "expired")
                outcome = .failure(.queueTimeout(seconds: Self.seconds(job.deadline - job.submitted)))
            } else {
                do {
                    let result = try enhancer.enhance(try decoded.get())
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
            slots[index].current = nil
            updateBusyLocked()
            let idle = slots.allSatisfy(\.isFree) && queue.isEmpty
            condition.broadcast()
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

    /// The decoding thread of worker `index`: takes a job when its worker is free, or when its worker runs a
    /// forward pass, holds nothing ahead and no other worker is free; decodes it (unless it already expired or
    /// its client left) and hands it to the worker. It has its own `Enhancer` (decoding touches only the backend
    /// and the registry), so the worker may replace its own at any time.
    private func decode(index: Int) {
        let decoder = Enhancer(registry: registry, threads: 1, maxPixels: maxPixels, decoding: decoding)
        condition.lock()
        while true {
            let mayTake = slots[index].ahead == nil && !queue.isEmpty
                && (slots[index].current == nil || !slots.contains(where: \.isFree))
            if !mayTake {
                if stopping && queue.isEmpty { break }
                condition.wait()
                continue
            }
            let job = queue.removeFirst()
            if slots[index].current != nil { metrics.countDecodedAhead() }
            slots[index].ahead = job
            slots[index].decoded = nil
            slots[index].withdrawn = false
            updateBusyLocked()
            metrics.setQueueDepth(waitingLocked)
            condition.broadcast()
            condition.unlock()

            let taken = ContinuousClock.now
            var decoded: Result<DecodedRaw, Error>
            if taken > job.deadline {
                decoded = .failure(Expired())
            } else if job.cancellation.isCancelled {
                decoded = .failure(UNetError.cancelled)
            } else {
                var options = job.options
                options.cancellation = job.cancellation
                decoded = Result { try job.raw.withUnsafeBytes { try decoder.decode($0, options: options) } }
            }
            job.markDecoded(taken: taken, decoded: .now)

            condition.lock()
            if slots[index].withdrawn {
                slots[index] = Slot(current: slots[index].current)
                updateBusyLocked()
            } else {
                slots[index].decoded = decoded
            }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }

    /// The next job of worker `index` and its decoding, marking it started; nil once stopping with nothing left.
    private func next(index: Int) -> (EnhanceJob, Result<DecodedRaw, Error>)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let job = slots[index].ahead, let decoded = slots[index].decoded {
                slots[index].ahead = nil
                slots[index].decoded = nil
                slots[index].current = job
                started[ObjectIdentifier(job)] = job
                job.markStarted()
                updateBusyLocked()
                metrics.setQueueDepth(waitingLocked)
                condition.broadcast()
                return (job, decoded)
            }
            if stopping && queue.isEmpty && slots[index].ahead == nil { return nil }
            condition.wait()
        }
    }

    /// Drops the job decoded ahead on worker `index`: its upload and raw go now if it is decoded, else as soon
    /// as the decoding thread is done with it, so a withdrawn job never holds memory behind a forward pass.
    private func withdrawLocked(_ index: Int) {
        if slots[index].decoded != nil {
            slots[index] = Slot(current: slots[index].current)
            updateBusyLocked()
        } else {
            slots[index].withdrawn = true
        }
        condition.broadcast()
    }

    /// A job whose deadline passed before its decoding started: dropped, not run.
    private struct Expired: Error {}

    /// Workers holding a job, decoding or running it.
    private func updateBusyLocked() {
        busy = slots.filter { !$0.isFree }.count
        metrics.setBusyWorkers(busy)
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
    /// When a worker's decoding thread took it, and when it handed it on decoded.
    private var decodeSpan: (taken: ContinuousClock.Instant, decoded: ContinuousClock.Instant)?
    private var result: Result<EnhanceResult, ServiceError>?

    init(raw: ArraySlice<UInt8>, options: EnhanceOptions, queueTimeout: Duration) {
        self.raw = raw
        self.options = options
        deadline = submitted + queueTimeout
    }

    /// Time spent waiting: in the queue, and decoded ahead for the forward pass before it; nil until that starts.
    /// The decoding in between is not waiting (it is the decode stage of the timings).
    var queueWait: Duration? {
        condition.lock()
        defer { condition.unlock() }
        guard let startedAt else { return nil }
        guard let decodeSpan else { return startedAt - submitted }
        return (decodeSpan.taken - submitted) + (startedAt - decodeSpan.decoded)
    }

    func markDecoded(taken: ContinuousClock.Instant, decoded: ContinuousClock.Instant) {
        condition.lock()
        decodeSpan = (taken, decoded)
        condition.unlock()
    }

    /// Its forward pass starts.
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
