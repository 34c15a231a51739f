import HTTPTypes
import SIDSockets

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

/// A response from a handler: status, header fields and the whole body.
///
/// The server sets Date, Content-Length and Connection itself and ignores those (and Transfer-Encoding)
/// if the handler supplies them; HEAD responses and 1xx/204/304 are sent without a body.
public struct HTTPResponseMessage: Sendable {
    /// Status and header fields.
    public var head: HTTPResponse
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response from a status, header fields and body.
    public init(status: HTTPResponse.Status, headerFields: HTTPFields = HTTPFields(), body: [UInt8] = []) {
        head = HTTPResponse(status: status, headerFields: headerFields)
        self.body = body
    }

    /// Creates a response from a prepared head and body.
    public init(head: HTTPResponse, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }
}
