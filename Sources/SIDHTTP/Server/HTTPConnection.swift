import Foundation
import Glibc
import HTTPTypes
import Logging
import SIDSockets

/// Reads requests from, and writes responses to, one connection's byte stream.
///
/// It knows nothing of the server or the handler: `HTTPServer` runs the loop and calls it. Timeouts and
/// malformed requests come back as canned problem responses for the server to send.
final class HTTPConnection {
    /// How a connection ends.
    enum Ending {
        /// Shut the write side, then drain what the client still sends, so the last response is not reset.
        case graceful
        /// The peer is gone or the socket is broken: just close.
        case abrupt
    }

    /// The result of reading a request head or body.
    enum Reading<Value> {
        case value(Value)
        /// Nothing to answer: the connection ends here.
        case close(Ending)
        /// The request cannot be read (malformed, too large, too slow): send this, then close.
        case answerAndClose(HTTPResponseMessage)
    }

    let stream: ByteStream
    let remoteAddress: SocketAddress
    let isSecure: Bool
    private let configuration: HTTPServer.Configuration
    private let logger: Logger
    private var parser: HTTPRequestParser
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)
    /// Response bytes of the current request, 100 Continue included.
    private(set) var bytesOut = 0

    init(stream: ByteStream, remoteAddress: SocketAddress, isSecure: Bool, configuration: HTTPServer.Configuration,
         logger: Logger) {
        self.stream = stream
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
        self.configuration = configuration
        self.logger = logger
        parser = HTTPRequestParser(limits: configuration.limits)
    }

    // MARK: - Reading

    /// Waits for the next request's first byte; false if the deadline passed or `interruptFD` fired first.
    func waitForRequest(until deadline: Deadline, interruptFD: Int32) -> Bool {
        // Bytes of a pipelined request may already be buffered.
        if parser.hasBufferedBytes { return true }
        return stream.waitUntilReadable(until: deadline, interruptFD: interruptFD) == .ready
    }

    /// Reads the next request head; starts the request's byte counts.
    func readHead(until deadline: Deadline) -> Reading<HTTPRequestHead> {
        bytesOut = 0
        while true {
            do {
                if case var .head(head)? = try parser.next() {
                    if isSecure { head.request.scheme = "https" }
                    return .value(head)
                }
            } catch {
                return .answerAndClose(reject(error))
            }
            switch readMore(until: deadline) {
            case .received: continue
            case .endOfStream: return .close(.abrupt)
            case let .failed(error):
                logger.debug("reading the request head failed", metadata: ["error": "\(error)"])
                return .close(.abrupt)
            case .timedOut:
                guard !parser.isAtMessageBoundary else { return .close(.graceful) }
                let problem = ProblemDetails(status: .requestTimeout, detail: "The request head did not arrive "
                    + "within \(Self.describe(configuration.headerReadTimeout)).")
                return .answerAndClose(problem.response())
            }
        }
    }

    /// Consumes the end of a request that has no body (its head was answered early).
    func skipEmptyBody() {
        _ = try? parser.next()
    }

    /// Tells a client that waits for `Expect: 100-continue` to send its body; false if it cannot be written to.
    func sendContinue() -> Bool {
        do {
            try HTTPResponseEncoder.continueHead.withUnsafeBytes {
                try stream.write($0, stallTimeout: configuration.writeTimeout)
            }
            bytesOut += HTTPResponseEncoder.continueHead.count
            return true
        } catch {
            return false
        }
    }

    /// Reads the whole body (de-chunked) and any trailer fields, within the body timeouts.
    func readBody() -> Reading<(body: [UInt8], trailerFields: HTTPFields)> {
        let bodyDeadline = Deadline.after(configuration.bodyTotalTimeout)
        while true {
            do {
                if case let .end(body, trailers)? = try parser.next() { return .value((body, trailers)) }
            } catch {
                return .answerAndClose(reject(error))
            }
            switch readMore(until: min(bodyDeadline, .after(configuration.bodyIdleTimeout))) {
            case .received: continue
            case .endOfStream:
                logger.debug("client closed the connection during the request body")
                return .close(.abrupt)
            case let .failed(error):
                logger.debug("reading the request body failed", metadata: ["error": "\(error)"])
                return .close(.abrupt)
            case .timedOut:
                let detail = bodyDeadline.hasPassed
                    ? "The request body did not arrive within \(Self.describe(configuration.bodyTotalTimeout))."
                    : "The request body stalled for more than \(Self.describe(configuration.bodyIdleTimeout))."
                return .answerAndClose(ProblemDetails(status: .requestTimeout, detail: detail).response())
            }
        }
    }

    private enum ReadOutcome {
        case received
        case endOfStream
        case timedOut
        case failed(Error)
    }

    private func readMore(until deadline: Deadline) -> ReadOutcome {
        do {
            let count = try readBuffer.withUnsafeMutableBytes { try stream.read(into: $0, until: deadline) }
            if count == 0 { return .endOfStream }
            readBuffer.withUnsafeBytes { parser.append(UnsafeRawBufferPointer(rebasing: $0[0 ..< count])) }
            return .received
        } catch ByteStreamError.timedOut {
            return .timedOut
        } catch {
            return .failed(error)
        }
    }

    private func reject(_ error: Error) -> HTTPResponseMessage {
        let parseError = error as? HTTPParseError
        let status = parseError?.status ?? .badRequest
        let detail = parseError?.description ?? "The request could not be parsed."
        logger.debug("rejecting request", metadata: ["status": "\(status.code)", "reason": "\(detail)"])
        return ProblemDetails(status: status, detail: detail).response()
    }

    // MARK: - Writing

    /// Writes head and body; false if the client could not be written to. `head` is nil when the request
    /// head could not be read.
    func write(_ response: HTTPResponseMessage, head: HTTPRequestHead?, keepAlive: Bool) -> Bool {
        let method = head?.request.method ?? parser.currentMethod
        let includesBody = HTTPResponseEncoder.sendsBody(status: response.head.status, requestMethod: method)
        let bodyLength = HTTPResponseEncoder.allowsContent(response.head.status) ? response.body.count : 0
        var bytes = HTTPResponseEncoder.head(response.head, bodyLength: bodyLength, keepAlive: keepAlive,
                                             requestVersion: head?.version ?? .http1_1, date: HTTPDate.string())
        // Small bodies go out with the head in one segment; large ones (a PNG) are written from the handler's
        // own array, never copied.
        let coalesce = includesBody && response.body.count <= 16 * 1024
        if coalesce { bytes.append(contentsOf: response.body) }
        do {
            try bytes.withUnsafeBytes { try stream.write($0, stallTimeout: configuration.writeTimeout) }
            bytesOut += bytes.count
            if includesBody, !coalesce {
                try response.body.withUnsafeBytes { try stream.write($0, stallTimeout: configuration.writeTimeout) }
                bytesOut += response.body.count
            }
            return true
        } catch {
            logger.debug("could not write the response", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// The current request as it went over the wire, for the handler's log line and metrics.
    func record(status: Int, head: HTTPRequestHead?, since start: ContinuousClock.Instant) -> HTTPExchangeRecord {
        HTTPExchangeRecord(method: head?.request.method ?? parser.currentMethod,
                           path: head?.request.path ?? parser.currentTarget,
                           status: status, bytesIn: parser.currentMessageByteCount, bytesOut: bytesOut,
                           duration: ContinuousClock.now - start, remoteAddress: remoteAddress)
    }

    private static func describe(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds == 1 { return "1 second" }
        return seconds == seconds.rounded() ? "\(Int(seconds)) seconds" : String(format: "%.1f seconds", seconds)
    }
}

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
