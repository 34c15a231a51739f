import Foundation
import SIDEngine
import SIDModel

/// Where the service is in its life, and what it has loaded; shared by the handler and the service.
final class ServiceState: @unchecked Sendable {
    enum Phase: String {
        /// Listening, but the model is not loaded and warmed up yet.
        case starting
        case ready
        /// Shutting down: no new work.
        case draining
    }

    // Guards everything below.
    private let lock = NSLock()
    private var currentPhase = Phase.starting
    private var currentPool: WorkerPool?
    private var currentModels: [ModelInfo] = []

    var phase: Phase { locked { currentPhase } }
    var pool: WorkerPool? { locked { currentPool } }
    var models: [ModelInfo] { locked { currentModels } }
    var modelNames: [String] { models.map(\.name) }

    /// The model a request gets when it names none: SID for Sony-style Bayer raws when loaded.
    var defaultModel: String {
        modelNames.contains(SIDModel.sony.rawValue) ? SIDModel.sony.rawValue : SIDModel.baselineName
    }

    /// Becomes ready unless draining began meanwhile; false then.
    func becomeReady(pool: WorkerPool, models: [ModelInfo]) -> Bool {
        locked {
            currentPool = pool
            currentModels = models
            guard currentPhase == .starting else { return false }
            currentPhase = .ready
            return true
        }
    }

    /// Enters draining; false if it already had.
    func beginDraining() -> Bool {
        locked {
            guard currentPhase != .draining else { return false }
            currentPhase = .draining
            return true
        }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
