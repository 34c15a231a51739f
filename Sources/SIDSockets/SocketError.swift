import Glibc

/// Why a listening socket, a system call or TLS could not be set up.
public enum SocketError: Error, Equatable, CustomStringConvertible {
    case addressResolution(host: String, reason: String)
    case bindFailed(address: String, errno: Int32)
    case listenFailed(errno: Int32)
    case systemCall(name: String, errno: Int32)
    case tlsSetup(String)
    case alreadyStarted

    public var description: String {
        switch self {
        case let .addressResolution(host, reason):
            return "cannot resolve the listen address \"\(host)\": \(reason)"
        case let .bindFailed(address, code):
            return "cannot listen on \(address): \(Self.reason(code))"
        case let .listenFailed(code):
            return "cannot listen on the bound socket: \(Self.reason(code))"
        case let .systemCall(name, code):
            return "\(name) failed: \(Self.reason(code))"
        case let .tlsSetup(reason):
            return "cannot set up TLS: \(reason)"
        case .alreadyStarted:
            return "the server was already started; create a new HTTPServer to listen again"
        }
    }

    public static func reason(_ code: Int32) -> String { String(cString: strerror(code)) }
}
