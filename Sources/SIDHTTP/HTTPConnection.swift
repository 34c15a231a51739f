import Foundation
import HTTPTypes
import Logging

/// Serves the requests of one accepted connection, on the thread that calls `run()`.
final class HTTPConnection {
    private let server: HTTPServer
    private let handler: any HTTPHandler
    private let configuration: HTTPServer.Configuration
    private let fileDescriptor: Int32
    private let remoteAddress: SocketAddress
    private let connectionID: UInt64
    private let tlsContext: TLSContext?
    private let drainSignal: Int32
    private let logger: Logger

    private var parser: HTTPRequestParser
    private var readBuffer = [UInt8](repeating: 0, count: 64 * 1024)

    init(server: HTTPServer, handler: any HTTPHandler, fileDescriptor: Int32, remoteAddress: SocketAddress,
         connectionID: UInt64, tlsContext: TLSContext?, drainSignal: Int32) {
        self.server = server
        self.handler = handler
        configuration = server.configuration
        self.fileDescriptor = fileDescriptor
        self.remoteAddress = remoteAddress
        self.connectionID = connectionID
        self.tlsContext = tlsContext
        self.drainSignal = drainSignal
        parser = HTTPRequestParser(limits: server.configuration.limits)
        var logger = server.configuration.logger
        logger[metadataKey: "connection"] = "\(connectionID)"
        logger[metadataKey: "remote"] = "\(remoteAddress)"
        self.logger = logger
    }

    /// How a connection ends.
    private enum Ending {
        /// Shut the write side, then drain what the client still sends, so the last response is not reset.
        case graceful
        /// The peer is gone or the socket is broken: just close.
        case abrupt
    }

    /// Outcome of one attempt to read more bytes into the parser.
    private enum ReadOutcome {
        case received
        case endOfStream
        case timedOut
        case failed(Error)
    }

    /// Per-request bookkeeping for the observer.
    private struct Exchange {
        let start = ContinuousClock.now
        var bytesOut = 0
    }

    func run() {
        // The first request's head must arrive within the header timeout of the accept.
        let firstHeadDeadline = Deadline.after(configuration.headerReadTimeout)
        _ = SocketIO.setOption(fileDescriptor, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        let stream: ByteStream
        if let tlsContext {
            do {
                stream = try TLSStream(fileDescriptor: fileDescriptor, context: tlsContext,
                                       handshakeDeadline: .after(configuration.tlsHandshakeTimeout))
            } catch {
                logger.debug("TLS handshake failed", metadata: ["error": "\(error)"])
                finish(stream: nil, context: nil, ending: .abrupt)
                return
            }
        } else {
            stream = SocketStream(fileDescriptor: fileDescriptor)
        }
        let context = ConnectionContext(fileDescriptor: fileDescriptor, remoteAddress: remoteAddress,
                                        isSecure: tlsContext != nil, connectionID: connectionID)
        let ending = serve(stream: stream, context: context, firstHeadDeadline: firstHeadDeadline)
        finish(stream: stream, context: context, ending: ending)
    }

    private func finish(stream: ByteStream?, context: ConnectionContext?, ending: Ending) {
        context?.invalidate()
        server.release(connectionID: connectionID)
        switch ending {
        case .graceful:
            if let stream {
                stream.finishSending()
            } else {
                shutdown(fileDescriptor, Int32(SHUT_WR))
            }
            server.closeLingering(fileDescriptor)
        case .abrupt:
            close(fileDescriptor)
        }
    }

    // MARK: - Request loop

    private func serve(stream: ByteStream, context: ConnectionContext, firstHeadDeadline: Deadline) -> Ending {
        var isFirstRequest = true
        while true {
            // Later requests may idle for the keep-alive timeout, then have the header timeout from their first byte.
            if !parser.hasBufferedBytes {
                let idleDeadline = isFirstRequest ? firstHeadDeadline : .after(configuration.keepAliveIdleTimeout)
                switch stream.waitUntilReadable(until: idleDeadline, interruptFD: drainSignal) {
                case .ready: break
                case .timedOut, .interrupted: return .graceful
                }
            }
            let headDeadline = isFirstRequest ? firstHeadDeadline : .after(configuration.headerReadTimeout)
            server.requestStarted()
            let keepGoing = serveRequest(stream: stream, context: context, headDeadline: headDeadline)
            server.requestFinished()
            guard let ending = keepGoing else {
                isFirstRequest = false
                continue
            }
            return ending
        }
    }

    /// Reads, handles and answers one request; nil to keep the connection for the next one.
    private func serveRequest(stream: ByteStream, context: ConnectionContext, headDeadline: Deadline) -> Ending? {
        var exchange = Exchange()

        // Head.
        var head: HTTPRequestHead
        readHead: while true {
            do {
                if case let .head(parsed)? = try parser.next() {
                    head = parsed
                    break readHead
                }
            } catch {
                return fail(error, head: nil, stream: stream, exchange: &exchange)
            }
            switch readMore(from: stream, until: headDeadline) {
            case .received: continue
            case .endOfStream: return .abrupt
            case let .failed(error):
                logger.debug("reading the request head failed", metadata: ["error": "\(error)"])
                return .abrupt
            case .timedOut:
                guard !parser.isAtMessageBoundary else { return .graceful }
                let problem = ProblemDetails(status: .requestTimeout,
                                             detail: "The request head did not arrive within \(Self.describe(configuration.headerReadTimeout)).")
                return answerAndClose(problem.response(), head: nil, stream: stream, exchange: &exchange)
            }
        }
        if tlsContext != nil { head.request.scheme = "https" }

        // Early answer (before 100 Continue and before the body).
        if let early = handler.validateHead(head.request) {
            if head.hasBody {
                return answerAndClose(early, head: head, stream: stream, exchange: &exchange)
            }
            _ = try? parser.next() // the empty body's .end
            return respond(early, head: head, stream: stream, exchange: &exchange)
        }

        if head.expectsContinue, head.hasBody {
            do {
                try HTTPResponseEncoder.continueHead.withUnsafeBytes {
                    try stream.write($0, stallTimeout: configuration.writeTimeout)
                }
                exchange.bytesOut += HTTPResponseEncoder.continueHead.count
            } catch {
                return .abrupt
            }
        }

        // Body.
        let bodyDeadline = Deadline.after(configuration.bodyTotalTimeout)
        var body: [UInt8]
        var trailerFields: HTTPFields
        readBody: while true {
            do {
                if case let .end(completed, trailers)? = try parser.next() {
                    body = completed
                    trailerFields = trailers
                    break readBody
                }
            } catch {
                return fail(error, head: head, stream: stream, exchange: &exchange)
            }
            switch readMore(from: stream, until: min(bodyDeadline, .after(configuration.bodyIdleTimeout))) {
            case .received: continue
            case .endOfStream:
                logger.debug("client closed the connection during the request body")
                return .abrupt
            case let .failed(error):
                logger.debug("reading the request body failed", metadata: ["error": "\(error)"])
                return .abrupt
            case .timedOut:
                let detail = bodyDeadline.hasPassed
                    ? "The request body did not arrive within \(Self.describe(configuration.bodyTotalTimeout))."
                    : "The request body stalled for more than \(Self.describe(configuration.bodyIdleTimeout))."
                let problem = ProblemDetails(status: .requestTimeout, detail: detail)
                return answerAndClose(problem.response(), head: head, stream: stream, exchange: &exchange)
            }
        }

        let request = HTTPRequestMessage(head: head.request, version: head.version, body: body,
                                         trailerFields: trailerFields, remoteAddress: remoteAddress,
                                         isSecure: tlsContext != nil)
        let response = handler.handle(request, context: context)
        return respond(response, head: head, stream: stream, exchange: &exchange)
    }

    // MARK: - Responding

    /// Sends a response, keeping the connection if both sides allow it.
    private func respond(_ response: HTTPResponseMessage, head: HTTPRequestHead, stream: ByteStream,
                         exchange: inout Exchange) -> Ending? {
        let keepAlive = head.keepAlive && !server.isDraining
        guard send(response, head: head, keepAlive: keepAlive, stream: stream, exchange: &exchange) else {
            return .abrupt
        }
        return keepAlive ? nil : .graceful
    }

    private func answerAndClose(_ response: HTTPResponseMessage, head: HTTPRequestHead?, stream: ByteStream,
                                exchange: inout Exchange) -> Ending {
        send(response, head: head, keepAlive: false, stream: stream, exchange: &exchange) ? .graceful : .abrupt
    }

    private func fail(_ error: Error, head: HTTPRequestHead?, stream: ByteStream, exchange: inout Exchange) -> Ending {
        let parseError = error as? HTTPParseError
        let status = parseError?.status ?? .badRequest
        let detail = parseError?.description ?? "The request could not be parsed."
        logger.debug("rejecting request", metadata: ["status": "\(status.code)", "reason": "\(detail)"])
        return answerAndClose(ProblemDetails(status: status, detail: detail).response(), head: head, stream: stream,
                              exchange: &exchange)
    }

    /// Writes head and body; false if the client could not be written to.
    private func send(_ response: HTTPResponseMessage, head: HTTPRequestHead?, keepAlive: Bool, stream: ByteStream,
                      exchange: inout Exchange) -> Bool {
        let method = head?.request.method ?? parser.currentMethod
        let includesBody = HTTPResponseEncoder.sendsBody(status: response.head.status, requestMethod: method)
        let bodyLength = HTTPResponseEncoder.allowsContent(response.head.status) ? response.body.count : 0
        var bytes = HTTPResponseEncoder.head(response.head, bodyLength: bodyLength, keepAlive: keepAlive,
                                             requestVersion: head?.version ?? .http1_1, date: HTTPDate.string())
        // Small bodies go out with the head in one segment; large ones are not copied.
        let coalesce = includesBody && response.body.count <= 16 * 1024
        if coalesce { bytes.append(contentsOf: response.body) }
        var written = 0
        var succeeded = true
        do {
            try bytes.withUnsafeBytes { try stream.write($0, stallTimeout: configuration.writeTimeout) }
            written = bytes.count
            if includesBody, !coalesce {
                try response.body.withUnsafeBytes { try stream.write($0, stallTimeout: configuration.writeTimeout) }
                written += response.body.count
            }
        } catch {
            logger.debug("could not write the response", metadata: ["error": "\(error)"])
            succeeded = false
        }
        exchange.bytesOut += written
        report(status: response.head.status.code, head: head, exchange: exchange)
        return succeeded
    }

    private func report(status: Int, head: HTTPRequestHead?, exchange: Exchange) {
        guard let observer = configuration.observer else { return }
        let record = HTTPExchangeRecord(method: head?.request.method ?? parser.currentMethod,
                                        path: head?.request.path ?? parser.currentTarget,
                                        status: status, bytesIn: parser.currentMessageByteCount,
                                        bytesOut: exchange.bytesOut, duration: ContinuousClock.now - exchange.start,
                                        remoteAddress: remoteAddress)
        observer(record)
    }

    // MARK: - Reading

    private func readMore(from stream: ByteStream, until deadline: Deadline) -> ReadOutcome {
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

    private static func describe(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds == 1 { return "1 second" }
        return seconds == seconds.rounded() ? "\(Int(seconds)) seconds" : String(format: "%.1f seconds", seconds)
    }
}
