import Dispatch

/// A point on the monotonic clock by which an I/O operation must finish.
public struct Deadline: Comparable, Sendable {
    public let uptimeNanoseconds: UInt64

    public static var now: Deadline { Deadline(uptimeNanoseconds: DispatchTime.now().uptimeNanoseconds) }
    public static let distantFuture = Deadline(uptimeNanoseconds: .max)

    public static func after(_ duration: Duration) -> Deadline {
        let base = DispatchTime.now().uptimeNanoseconds
        let (sum, overflow) = base.addingReportingOverflow(duration.clampedNanoseconds)
        return Deadline(uptimeNanoseconds: overflow ? .max : sum)
    }

    public var hasPassed: Bool { self != .distantFuture && DispatchTime.now().uptimeNanoseconds >= uptimeNanoseconds }

    /// Milliseconds left, rounded up, in the form poll(2) takes: -1 waits forever, 0 means already due.
    public var pollTimeout: Int32 {
        if self == .distantFuture { return -1 }
        let now = DispatchTime.now().uptimeNanoseconds
        guard uptimeNanoseconds > now else { return 0 }
        let milliseconds = (uptimeNanoseconds - now + 999_999) / 1_000_000
        return Int32(min(milliseconds, UInt64(Int32.max)))
    }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.uptimeNanoseconds < rhs.uptimeNanoseconds }
}

extension Duration {
    /// Whole nanoseconds, with negative durations read as zero and huge ones saturated.
    public var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let fraction = attoseconds >= 0 ? UInt64(attoseconds / 1_000_000_000) : 0
        let (sum, sumOverflow) = whole.addingReportingOverflow(fraction)
        return sumOverflow ? .max : sum
    }

    /// The duration as seconds in a Double, for logs and JSON.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
