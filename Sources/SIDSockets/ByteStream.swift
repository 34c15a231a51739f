import Glibc

/// A connected byte stream with deadlines: a plain TCP socket or a TLS session over one.
public protocol ByteStream: AnyObject {
    /// The underlying socket, for readiness checks and for closing.
    var fileDescriptor: Int32 { get }

    /// Waits until a read would make progress, the deadline passes, or `interruptFD` becomes readable.
    func waitUntilReadable(until deadline: Deadline, interruptFD: Int32) -> SocketIO.Readiness

    /// Reads up to `buffer.count` bytes; returns 0 at end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int

    /// Writes every byte, failing if the peer accepts nothing for `stallTimeout`.
    func write(_ bytes: UnsafeRawBufferPointer, stallTimeout: Duration) throws

    /// Ends the sending direction politely (TLS close_notify, TCP FIN) before the socket is handed off for closing.
    func finishSending()
}

/// Why reading from or writing to a connection stopped.
public enum ByteStreamError: Error, Equatable, CustomStringConvertible {
    case timedOut
    case connectionReset
    case ioFailed(operation: String, errno: Int32)
    case tls(String)

    public var description: String {
        switch self {
        case .timedOut: return "the peer did not send or accept data in time"
        case .connectionReset: return "the peer reset the connection"
        case let .ioFailed(operation, code): return "\(operation) failed: \(SocketError.reason(code))"
        case let .tls(reason): return "TLS failed: \(reason)"
        }
    }
}

/// A ByteStream over a non-blocking TCP socket.
public final class SocketStream: ByteStream {
    public let fileDescriptor: Int32

    public init(fileDescriptor: Int32) {
        self.fileDescriptor = fileDescriptor
    }

    public func waitUntilReadable(until deadline: Deadline, interruptFD: Int32) -> SocketIO.Readiness {
        SocketIO.wait(for: Int16(POLLIN), on: fileDescriptor, until: deadline, interruptFD: interruptFD)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let received = recv(fileDescriptor, base, buffer.count, 0)
            if received >= 0 { return received }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: try SocketIO.waitOrThrow(for: Int16(POLLIN), on: fileDescriptor, until: deadline)
            case ECONNRESET, EPIPE, ETIMEDOUT: throw ByteStreamError.connectionReset
            case let code: throw ByteStreamError.ioFailed(operation: "recv", errno: code)
            }
        }
    }

    public func write(_ bytes: UnsafeRawBufferPointer, stallTimeout: Duration) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let sent = send(fileDescriptor, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if sent >= 0 {
                offset += sent
                continue
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                try SocketIO.waitOrThrow(for: Int16(POLLOUT), on: fileDescriptor, until: .after(stallTimeout))
            case ECONNRESET, EPIPE: throw ByteStreamError.connectionReset
            case let code: throw ByteStreamError.ioFailed(operation: "send", errno: code)
            }
        }
    }

    public func finishSending() {
        shutdown(fileDescriptor, Int32(SHUT_WR))
    }
}
