import Glibc

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
