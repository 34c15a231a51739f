import HTTPTypes

/// Serializes response heads for HTTP/1.1, adding the fields the server owns.
enum HTTPResponseEncoder {
    /// The interim response sent for `Expect: 100-continue`.
    static let continueHead = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Fields the server computes itself; a handler's values for them are dropped.
    private static let serverOwnedFields: [HTTPField.Name] = [.contentLength, .transferEncoding, .connection, .date]

    /// Whether a response with this status to this method carries body bytes on the wire.
    static func sendsBody(status: HTTPResponse.Status, requestMethod: HTTPRequest.Method?) -> Bool {
        requestMethod != .head && allowsContent(status)
    }

    /// RFC 9110 sections 15.2, 15.3.5 and 15.4.5: 1xx, 204 and 304 never have content.
    static func allowsContent(_ status: HTTPResponse.Status) -> Bool {
        status.kind != .informational && status.code != 204 && status.code != 304
    }

    /// The status line and header section, ending with the empty line.
    static func head(_ response: HTTPResponse, bodyLength: Int, keepAlive: Bool, requestVersion: HTTPVersion,
                     date: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        let status = response.status
        bytes.append(contentsOf: "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n".utf8)
        for field in response.headerFields where !serverOwnedFields.contains(field.name) {
            bytes.append(contentsOf: field.name.rawName.utf8)
            bytes.append(contentsOf: ": ".utf8)
            field.withUnsafeBytesOfValue { bytes.append(contentsOf: $0) }
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "Date: \(date)\r\n".utf8)
        if allowsContent(status) {
            bytes.append(contentsOf: "Content-Length: \(bodyLength)\r\n".utf8)
        }
        if !keepAlive {
            bytes.append(contentsOf: "Connection: close\r\n".utf8)
        } else if requestVersion == .http1_0 {
            bytes.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        bytes.append(contentsOf: "\r\n".utf8)
        return bytes
    }
}
