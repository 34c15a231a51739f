/// Why reading from or writing to a connection stopped.
enum ByteStreamError: Error, Equatable, CustomStringConvertible {
    case timedOut
    case connectionReset
    case ioFailed(operation: String, errno: Int32)
    case tls(String)

    var description: String {
        switch self {
        case .timedOut: return "the peer did not send or accept data in time"
        case .connectionReset: return "the peer reset the connection"
        case let .ioFailed(operation, code): return "\(operation) failed: \(SocketError.reason(code))"
        case let .tls(reason): return "TLS failed: \(reason)"
        }
    }
}
