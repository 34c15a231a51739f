import Foundation

/// Set by whoever no longer wants a forward pass (its client left, the service is shutting down); the runner
/// looks at it before each unit of output rows and stops with `UNetError.cancelled`.
public final class CancellationFlag: @unchecked Sendable, Equatable {
    private let lock = NSLock()
    private var cancelled = false

    public init() {}

    public func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    public var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    public static func == (lhs: CancellationFlag, rhs: CancellationFlag) -> Bool { lhs === rhs }
}
