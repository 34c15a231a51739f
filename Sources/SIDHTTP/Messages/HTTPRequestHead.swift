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

/// An HTTP/1.x protocol version from a request line.
public struct HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    /// Major version digit.
    public var major: Int
    /// Minor version digit.
    public var minor: Int

    /// Creates a version from its digits.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// HTTP/1.0.
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    /// HTTP/1.1.
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}
