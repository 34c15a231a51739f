import Foundation
import SIDSockets

/// What a handler can learn about the connection its request came on, from any thread.
public final class ConnectionContext: @unchecked Sendable {
    /// The client's address.
    public let remoteAddress: SocketAddress
    /// Whether the connection uses TLS.
    public let isSecure: Bool
    /// A number identifying the connection within its server, for logs.
    public let connectionID: UInt64

    // Guards `fileDescriptor` so a check never touches a descriptor number already reused after close.
    private let lock = NSLock()
    private var fileDescriptor: Int32

    /// Creates the context of an accepted socket (the server does this; a handler's tests may pass -1, a
    /// connection that reads as already closed).
    public init(fileDescriptor: Int32, remoteAddress: SocketAddress, isSecure: Bool = false, connectionID: UInt64 = 0) {
        self.fileDescriptor = fileDescriptor
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.connectionID = connectionID
    }

    /// Whether the client has closed or reset the connection, so that work done for it can be abandoned.
    ///
    /// Cheap (one non-blocking poll) and safe to call from other threads while the request is being handled.
    public func clientDisconnected() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard fileDescriptor >= 0 else { return true }
        return SocketIO.peerHasClosed(fileDescriptor)
    }

    /// Called by the connection before its socket is closed.
    func invalidate() {
        lock.lock()
        fileDescriptor = -1
        lock.unlock()
    }
}
