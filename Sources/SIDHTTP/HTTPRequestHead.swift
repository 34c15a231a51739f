import HTTPTypes

/// A parsed request head plus what the connection needs to know about framing and persistence.
public struct HTTPRequestHead: Sendable {
    /// How the body that follows the head is delimited.
    public enum BodyFraming: Sendable, Equatable {
        case none
        case contentLength(Int)
        case chunked
    }

    /// Method, target (as `path`, or `authority` for CONNECT) and header fields.
    public var request: HTTPRequest
    /// Protocol version from the request line.
    public var version: HTTPVersion
    /// Body delimitation.
    public var framing: BodyFraming
    /// Whether the client allows the connection to stay open after the response.
    public var keepAlive: Bool
    /// Whether the client waits for `100 Continue` before sending the body.
    public var expectsContinue: Bool

    /// Whether any body bytes follow the head.
    public var hasBody: Bool { framing != .none && framing != .contentLength(0) }
}
