import Glibc

/// A non-blocking TCP listening socket bound to one address.
public final class ListeningSocket {
    public let fileDescriptor: Int32
    /// The address actually bound (with the kernel-chosen port when 0 was asked for).
    public let boundAddress: SocketAddress

    /// Binds `host:port` (numeric address or name; "::" listens on IPv6 and IPv4) and starts listening.
    public init(host: String, port: Int, backlog: Int32) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SocketError.addressResolution(host: host, reason: String(cString: gai_strerror(status)))
        }
        defer { freeaddrinfo(list) }

        var lastError: Int32 = EADDRNOTAVAIL
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            let descriptor = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else {
                lastError = errno
                continue
            }
            _ = SocketIO.setOption(descriptor, level: SOL_SOCKET, name: SO_REUSEADDR, value: 1)
            if info.pointee.ai_family == AF_INET6 {
                // Dual stack for "::", so one listener serves IPv4 clients too.
                _ = SocketIO.setOption(descriptor, level: Int32(IPPROTO_IPV6), name: IPV6_V6ONLY, value: 0)
            }
            if bind(descriptor, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0,
               listen(descriptor, backlog) == 0,
               SocketIO.setNonBlocking(descriptor),
               let bound = SocketAddress.of(socket: descriptor, peer: false) {
                fileDescriptor = descriptor
                boundAddress = bound
                return
            }
            lastError = errno
            Glibc.close(descriptor)
        }
        throw SocketError.bindFailed(address: SocketAddress(host: host, port: port).description, errno: lastError)
    }

    /// The outcome of one non-blocking accept.
    public enum AcceptResult {
        case connection(fileDescriptor: Int32, remote: SocketAddress)
        case wouldBlock
        case failed(errno: Int32)
    }

    /// Accepts one pending connection as a non-blocking, close-on-exec socket.
    public func accept() -> AcceptResult {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        while true {
            let descriptor = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.accept(fileDescriptor, $0, &length)
                }
            }
            if descriptor >= 0 {
                // accept4 is a GNU extension Swift's Glibc module does not export, so set the flags after the fact.
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
                guard SocketIO.setNonBlocking(descriptor) else {
                    let code = errno
                    Glibc.close(descriptor)
                    return .failed(errno: code)
                }
                let remote = withUnsafePointer(to: &storage) { SocketAddress($0, length: length) }
                return .connection(fileDescriptor: descriptor, remote: remote ?? SocketAddress(host: "unknown", port: 0))
            }
            switch errno {
            case EINTR, ECONNABORTED: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            case let code: return .failed(errno: code)
            }
        }
    }

    public func close() {
        Glibc.close(fileDescriptor)
    }
}

/// The numeric address and port of a socket peer, e.g. `127.0.0.1:53012` or `[::1]:53012`.
public struct SocketAddress: Sendable, Hashable, CustomStringConvertible {
    /// Numeric host (IPv4 dotted quad or IPv6 without brackets).
    public var host: String
    /// TCP port.
    public var port: Int

    /// Creates an address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Reads a sockaddr_in or sockaddr_in6 filled by accept(2) or getsockname(2).
    init?(_ storage: UnsafePointer<sockaddr_storage>, length: socklen_t) {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let status = storage.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count),
                        NI_NUMERICHOST | NI_NUMERICSERV)
        }
        guard status == 0, let port = Int(String(cString: service)) else { return nil }
        self.init(host: String(cString: host), port: port)
    }

    /// The address a connected or bound socket has on the given side.
    public static func of(socket fileDescriptor: Int32, peer: Bool) -> SocketAddress? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                peer ? getpeername(fileDescriptor, $0, &length) : getsockname(fileDescriptor, $0, &length)
            }
        }
        guard status == 0 else { return nil }
        return withUnsafePointer(to: &storage) { SocketAddress($0, length: length) }
    }
}

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
