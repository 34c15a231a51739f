import Dispatch
import Foundation

/// Delivers signals (SIGTERM, SIGINT, ...) to a handler on a dispatch queue instead of their default action.
public final class SignalWatcher: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    /// Ignores the default handling of `signals` and calls `handler` on `queue` each time one arrives.
    /// Returns once every source is armed (call it from any queue but `queue`).
    public init(signals: [Int32], queue: DispatchQueue = DispatchQueue(label: "sid.signals"),
                handler: @escaping @Sendable (Int32) -> Void) {
        let armed = DispatchSemaphore(value: 0)
        sources = signals.map { number in
            // Without this the default action (terminate) would run before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.setRegistrationHandler { armed.signal() }
            source.resume()
            return source
        }
        // On Linux the source installs its own signal handler when it registers, asynchronously; until then
        // a signal meets SIG_IGN and is lost.
        for _ in sources { _ = armed.wait(timeout: .now() + 5) }
    }

    /// Stops watching; the signals stay ignored.
    public func cancel() {
        sources.forEach { $0.cancel() }
    }

    deinit {
        cancel()
    }

    /// "SIGTERM", "SIGINT", ... for logs.
    public static func name(of number: Int32) -> String {
        switch number {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGHUP: return "SIGHUP"
        case SIGQUIT: return "SIGQUIT"
        default: return "signal \(number)"
        }
    }
}
