import HTTPTypes

/// The application side of an `HTTPServer`.
///
/// Both methods run on the connection's own thread; `handle` may block (the connection waits for it).
public protocol HTTPHandler: Sendable {
    /// Looks at a request head before its body is read, and may answer early (404, 405, 413, 415, ...).
    ///
    /// An early answer is sent instead of `100 Continue` and the body is never read; if a body was announced
    /// the connection is then closed. Return nil to go on reading the body and call `handle`.
    func validateHead(_ head: HTTPRequest) -> HTTPResponseMessage?

    /// Produces the response for a complete request.
    func handle(_ request: HTTPRequestMessage, context: ConnectionContext) -> HTTPResponseMessage
}

extension HTTPHandler {
    /// Accepts every head.
    public func validateHead(_ head: HTTPRequest) -> HTTPResponseMessage? { nil }
}
