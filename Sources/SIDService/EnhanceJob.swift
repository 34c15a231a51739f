import Foundation
import SIDEngine

/// One enhancement handed from a connection thread to a worker, and its answer handed back.
final class EnhanceJob: @unchecked Sendable {
    let raw: ArraySlice<UInt8>
    let options: EnhanceOptions
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
