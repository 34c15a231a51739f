import Dispatch
import Glibc

/// Thin wrappers over the POSIX calls the socket layer shares.
public enum SocketIO {
    /// What a wait on a socket ended with.
    public enum Readiness: Equatable {
        case ready
        case timedOut
        case interrupted
    }

    /// Waits until `events` are possible on `fileDescriptor`, the deadline passes, or `interruptFD` becomes readable.
    /// Errors and hang-ups count as ready so that the next syscall reports them.
    public static func wait(for events: Int16, on fileDescriptor: Int32, until deadline: Deadline,
                     interruptFD: Int32 = -1) -> Readiness {
        var descriptors = [pollfd(fd: fileDescriptor, events: events, revents: 0),
                           pollfd(fd: interruptFD, events: Int16(POLLIN), revents: 0)]
        let count = nfds_t(interruptFD >= 0 ? 2 : 1)
        while true {
            let result = poll(&descriptors, count, deadline.pollTimeout)
            if result > 0 {
                // Data that has already arrived wins over the interrupt, so it can still be answered.
                if descriptors[0].revents != 0 { return .ready }
                return .interrupted
            }
            if result == 0 {
                if deadline.hasPassed { return .timedOut }
                continue
            }
            if errno == EINTR { continue }
            return .ready
        }
    }

    /// Like `wait`, but a timeout becomes `ByteStreamError.timedOut`.
    public static func waitOrThrow(for events: Int16, on fileDescriptor: Int32, until deadline: Deadline) throws {
        if wait(for: events, on: fileDescriptor, until: deadline) == .timedOut { throw ByteStreamError.timedOut }
    }

    /// Linux's POLLRDHUP (peer shut its sending side), which the Glibc module hides behind _GNU_SOURCE.
    private static let pollReadHangUp: Int16 = 0x2000

    /// Whether the peer has closed or reset the connection, without consuming any byte it sent.
    public static func peerHasClosed(_ fileDescriptor: Int32) -> Bool {
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN) | pollReadHangUp, revents: 0)
        let result = poll(&descriptor, 1, 0)
        guard result > 0 else { return result < 0 && errno == EBADF }
        let hangUp: Int16 = pollReadHangUp | Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)
        if descriptor.revents & hangUp != 0 { return true }
        var byte: UInt8 = 0
        let peeked = recv(fileDescriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    public static func setNonBlocking(_ fileDescriptor: Int32) -> Bool {
        let flags = fcntl(fileDescriptor, F_GETFL)
        return flags >= 0 && fcntl(fileDescriptor, F_SETFL, flags | O_NONBLOCK) == 0
    }

    public static func setOption(_ fileDescriptor: Int32, level: Int32, name: Int32, value: Int32) -> Bool {
        var value = value
        return setsockopt(fileDescriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
    }

    /// Sends as much as the socket takes right now without blocking; used for canned replies.
    public static func sendWithoutBlocking(_ bytes: [UInt8], on fileDescriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = send(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset,
                                Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
                if sent > 0 { offset += sent } else if sent < 0, errno == EINTR { continue } else { return }
            }
        }
    }
}

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
