import HTTPTypes

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
