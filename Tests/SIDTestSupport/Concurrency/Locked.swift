import Foundation

/// A value shared between a test and the threads it starts.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public var wrapped: Value {
        get {
            lock.lock()
            defer { lock.unlock() }
            return value
        }
        set {
            lock.lock()
            value = newValue
            lock.unlock()
        }
    }
}

/// Runs `body` on a new thread (not the dispatch pool, whose few threads blocking work would starve);
/// the returned closure waits for its result.
public func onNewThread<T>(_ body: @escaping () -> T) -> () -> T {
    let result = Locked<T?>(nil)
    let done = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        result.wrapped = body()
        done.signal()
    }
    return {
        done.wait()
        done.signal()
        return result.wrapped!
    }
}
