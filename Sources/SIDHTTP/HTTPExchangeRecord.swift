import HTTPTypes

/// One answered request, as reported to `HTTPServer.Configuration.observer` for logs and metrics.
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
}
