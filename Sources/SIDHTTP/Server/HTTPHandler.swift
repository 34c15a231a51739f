import Foundation
import HTTPTypes
import SIDSockets

/// The application side of an `HTTPServer`: asked twice per request, told once when it is answered.
///
/// The server owns the loop; per request it calls `head` when the head has arrived, `respond` once the body
/// has been read (unless `head` answered), and `finished` after the last response byte. The `Exchange` value
/// `head` creates is what the application carries from one stage to the next (ids, parsed parameters, log
/// fields); it lives on the connection's thread and is handed back by value, never stored anywhere else.
/// Every method runs on the connection's own thread; `respond` may block (the connection waits for it).
public protocol HTTPHandler: Sendable {
    /// What the application keeps about one request between its stages.
    associatedtype Exchange

    /// Looks at a request head before its body is read, and may answer early (404, 405, 413, 415, ...).
    ///
    /// An early answer is sent instead of `100 Continue` and the body is never read; if a body was announced
    /// the connection is then closed.
    func head(_ head: HTTPRequest, connection: ConnectionContext) -> HTTPHeadDecision<Exchange>

    /// Produces the response for a complete request whose head `head` accepted.
    func respond(to request: HTTPRequestMessage, exchange: inout Exchange,
                 connection: ConnectionContext) -> HTTPResponseMessage

    /// Called after each response has been written (or failed to be), including the server's own error
    /// answers; `exchange` is nil when the server answered before a head was parsed (400, 408, 414, 431).
    func finished(_ exchange: Exchange?, record: HTTPExchangeRecord)
}

/// What a handler decides once it has seen a request head.
public enum HTTPHeadDecision<Exchange> {
    /// Answer now without reading the body.
    case answer(HTTPResponseMessage, Exchange)
    /// Read the body, then call `respond(to:exchange:connection:)` with this exchange.
    case readBody(Exchange)
}

/// One answered request as the server saw it on the wire, for logs and metrics.
public struct HTTPExchangeRecord: Sendable {
    /// Request method; nil when the request line itself could not be parsed.
    public var method: HTTPRequest.Method?
    /// Request target as sent (path and query); nil when the request line could not be parsed.
    public var path: String?
    /// Status code sent.
    public var status: Int
    /// Request bytes read from the wire (head, body and chunk framing).
    public var bytesIn: Int
    /// Response bytes written (interim 100 Continue included).
    public var bytesOut: Int
    /// From the first byte of the request to the last byte of the response.
    public var duration: Duration
    /// The client's address.
    public var remoteAddress: SocketAddress

    /// Creates a record (the server does this after each response; a handler's tests may too).
    public init(method: HTTPRequest.Method?, path: String?, status: Int, bytesIn: Int, bytesOut: Int,
                duration: Duration, remoteAddress: SocketAddress) {
        self.method = method
        self.path = path
        self.status = status
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.duration = duration
        self.remoteAddress = remoteAddress
    }
}

/// What a handler can learn about the connection its request came on, from any thread.
public final class ConnectionContext: @unchecked Sendable {
    /// The client's address.
    public let remoteAddress: SocketAddress
    /// Whether the connection uses TLS.
    public let isSecure: Bool
    /// A number identifying the connection within its server, for logs.
    public let connectionID: UInt64
    /// Requests being read or answered by the whole server, this one included (for a metrics page).
    public var serverRequestsInFlight: Int { requestsInFlight() }
    private let requestsInFlight: @Sendable () -> Int

    // Guards `fileDescriptor` so a check never touches a descriptor number already reused after close.
    private let lock = NSLock()
    private var fileDescriptor: Int32

    /// Creates the context of an accepted socket (the server does this; a handler's tests may pass -1, a
    /// connection that reads as already closed).
    public init(fileDescriptor: Int32, remoteAddress: SocketAddress, isSecure: Bool = false, connectionID: UInt64 = 0,
                requestsInFlight: @escaping @Sendable () -> Int = { 0 }) {
        self.requestsInFlight = requestsInFlight
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
