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
