import HTTPTypes
import Glibc

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

/// Formats the IMF-fixdate used in the Date header field (RFC 9110 section 5.6.7).
enum HTTPDate {
    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// E.g. "Sun, 06 Nov 1994 08:49:37 GMT" for the given Unix time (now by default).
    static func string(secondsSince1970: Int = time(nil)) -> String {
        var seconds = time_t(secondsSince1970)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func twoDigits(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) "
            + "\(parts.tm_year + 1900) \(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }
}
