import Dispatch
import Foundation

/// Delivers signals (SIGTERM, SIGINT, ...) to a handler on a dispatch queue instead of their default action.
public final class SignalWatcher: @unchecked Sendable {
    private let sources: [DispatchSourceSignal]

    /// Ignores the default handling of `signals` and calls `handler` on `queue` each time one arrives.
    public init(signals: [Int32], queue: DispatchQueue = DispatchQueue(label: "sid.signals"),
                handler: @escaping @Sendable (Int32) -> Void) {
        sources = signals.map { number in
            // Without this the default action (terminate) would run before the source sees the signal.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
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
