import HTTPTypes
import SIDSockets

/// A complete request as handed to an `HTTPHandler`.
public struct HTTPRequestMessage: Sendable {
    /// Method, path, authority and header fields.
    public var head: HTTPRequest
    /// Protocol version from the request line.
    public var version: HTTPVersion
    /// The whole body, de-chunked.
    public var body: [UInt8]
    /// Trailer fields sent after a chunked body.
    public var trailerFields: HTTPFields
    /// The client's address.
    public var remoteAddress: SocketAddress
    /// Whether the request arrived over TLS.
    public var isSecure: Bool

    /// Creates a request message (the server builds these; tests may too).
    public init(head: HTTPRequest, version: HTTPVersion = .http1_1, body: [UInt8] = [],
                trailerFields: HTTPFields = HTTPFields(), remoteAddress: SocketAddress, isSecure: Bool = false) {
        self.head = head
        self.version = version
        self.body = body
        self.trailerFields = trailerFields
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
    }
}
