import Foundation
import HTTPTypes
import Logging
import SIDSockets

/// An HTTP/1.1 server: one accept thread, one thread per connection, blocking I/O with poll-based timeouts.
///
/// The server owns each connection's loop: read the next request head, ask the handler, read the body, ask
/// the handler, write the response, tell the handler, then keep-alive or close. `HTTPConnection` only reads
/// and writes; the handler only answers. Nothing below calls back up.
///
/// Lifecycle: `start()` binds and begins accepting; `beginDraining()` closes the listener and makes every
/// connection close after its current response; `waitUntilIdle(timeout:)` waits for requests in flight;
/// `stop()` drains and shuts every remaining connection down.
public final class HTTPServer: @unchecked Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration

    private let handler: any HTTPHandler
    private let closer: LingeringCloser
    // Guards everything below; connection threads and the accept thread report through it.
    private let state = NSCondition()
    private var tlsContext: TLSContext?
    private var drainPipe: (read: Int32, write: Int32) = (-1, -1)
    private var started = false
    private var draining = false
    private var acceptLoopRunning = false
    private var connections: [UInt64: Int32] = [:]
    private var nextConnectionID: UInt64 = 0
    private var acceptedTotal = 0
    private var inFlightRequests = 0
    private var boundAddress: SocketAddress?

    /// Creates a server; nothing is bound until `start()`.
    public init(configuration: Configuration, handler: some HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
        closer = LingeringCloser(lingerTime: configuration.lingerTimeout)
    }

    deinit {
        if drainPipe.read >= 0 {
            close(drainPipe.read)
            close(drainPipe.write)
        }
    }

    // MARK: - Public lifecycle

    /// Binds the listening socket, loads TLS material if configured, and starts the accept thread.
    public func start() throws {
        state.lock()
        defer { state.unlock() }
        guard !started else { throw SocketError.alreadyStarted }
        if let tls = configuration.tls {
            tlsContext = try TLSContext(certificateChainPath: tls.certificateChainPath,
                                        privateKeyPath: tls.privateKeyPath, cipherList: tls.cipherList)
            // OpenSSL writes to the socket with write(2), which raises SIGPIPE on a closed peer.
            signal(SIGPIPE, SIG_IGN)
        }
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw SocketError.systemCall(name: "pipe", errno: errno) }
        for end in pipeEnds {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = SocketIO.setNonBlocking(end)
        }
        let socket: ListeningSocket
        do {
            socket = try ListeningSocket(host: configuration.host, port: configuration.port,
                                         backlog: configuration.backlog)
        } catch {
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw error
        }
        drainPipe = (pipeEnds[0], pipeEnds[1])
        boundAddress = socket.boundAddress
        started = true
        acceptLoopRunning = true
        let thread = Thread { [self] in acceptLoop(socket) }
        thread.name = "sid-http-accept"
        thread.start()
        configuration.logger.info("listening", metadata: [
            "address": "\(socket.boundAddress)", "tls": "\(tlsContext != nil)",
        ])
    }

    /// The bound TCP port (the kernel's choice when the configuration asked for 0); 0 before `start()`.
    public var port: Int {
        state.lock()
        defer { state.unlock() }
        return boundAddress?.port ?? 0
    }

    /// Connections currently open (being served or kept alive).
    public var activeConnectionCount: Int {
        state.lock()
        defer { state.unlock() }
        return connections.count
    }

    /// Connections accepted since start, those refused with 503 excluded.
    public var acceptedConnectionCount: Int {
        state.lock()
        defer { state.unlock() }
        return acceptedTotal
    }

    /// Requests whose first byte has arrived and whose response has not been fully written yet.
    public var inFlightRequestCount: Int {
        state.lock()
        defer { state.unlock() }
        return inFlightRequests
    }

    /// Whether `beginDraining()` (or `stop()`) was called.
    public var isDraining: Bool {
        state.lock()
        defer { state.unlock() }
        return draining
    }

    /// Stops accepting (the listener is closed when this returns) and makes connections close after their
    /// current response; idle kept-alive connections close at once.
    public func beginDraining() {
        state.lock()
        defer { state.unlock() }
        guard !draining else { return }
        draining = true
        guard started else { return }
        // One byte that nobody reads: the pipe stays readable and wakes every poll that includes it.
        var byte: UInt8 = 1
        _ = write(drainPipe.write, &byte, 1)
        while acceptLoopRunning { state.wait() }
    }

    /// Waits until no request is in flight (and, once draining, no connection is left); false on timeout.
    public func waitUntilIdle(timeout: Duration) -> Bool {
        let limit = Date(timeIntervalSinceNow: timeout.seconds)
        state.lock()
        defer { state.unlock() }
        while inFlightRequests > 0 || (draining && !connections.isEmpty) {
            if !state.wait(until: limit) { return inFlightRequests == 0 && !(draining && !connections.isEmpty) }
        }
        return true
    }

    /// Drains, then shuts down every open connection; handlers still running finish on their own threads
    /// and their responses are discarded.
    public func stop() {
        beginDraining()
        state.lock()
        for fileDescriptor in connections.values {
            shutdown(fileDescriptor, Int32(SHUT_RDWR))
        }
        state.unlock()
        closer.expireAll()
    }

    // MARK: - Accepting

    private func acceptLoop(_ socket: ListeningSocket) {
        let drainSignal = drainPipe.read
        acceptLoop: while true {
            let readiness = SocketIO.wait(for: Int16(POLLIN), on: socket.fileDescriptor, until: .distantFuture,
                                          interruptFD: drainSignal)
            if readiness == .interrupted || isDraining { break }
            while true {
                switch socket.accept() {
                case let .connection(fileDescriptor, remote):
                    admit(fileDescriptor, remote: remote)
                case .wouldBlock:
                    continue acceptLoop
                case let .failed(code):
                    configuration.logger.warning("accept failed", metadata: ["error": "\(SocketError.reason(code))"])
                    // Out of descriptors or memory: back off instead of spinning on a listener that stays readable.
                    Thread.sleep(forTimeInterval: 0.05)
                    continue acceptLoop
                }
            }
        }
        socket.close()
        state.lock()
        acceptLoopRunning = false
        state.broadcast()
        state.unlock()
    }

    private func admit(_ fileDescriptor: Int32, remote: SocketAddress) {
        state.lock()
        guard connections.count < configuration.maxConnections, !draining else {
            state.unlock()
            refuse(fileDescriptor, remote: remote)
            return
        }
        nextConnectionID += 1
        let id = nextConnectionID
        connections[id] = fileDescriptor
        acceptedTotal += 1
        state.unlock()

        let handler = handler
        let thread = Thread { [self] in runConnection(fileDescriptor, remote: remote, id: id, handler: handler) }
        thread.name = "sid-http-conn-\(id)"
        thread.start()
    }

    /// Over the connection cap: a canned 503, sent without blocking the accept thread.
    private func refuse(_ fileDescriptor: Int32, remote: SocketAddress) {
        configuration.logger.notice("connection refused: too many connections", metadata: [
            "remote": "\(remote)", "maxConnections": "\(configuration.maxConnections)",
        ])
        guard tlsContext == nil else {
            // A TLS reply would need a handshake on the accept thread, which a slow client could stall.
            close(fileDescriptor)
            return
        }
        let problem = ProblemDetails(status: .serviceUnavailable,
                                     detail: "The server is handling as many connections as it allows; retry shortly.")
        var response = problem.response()
        response.head.headerFields[.retryAfter] = "1"
        let bytes = HTTPResponseEncoder.head(response.head, bodyLength: response.body.count, keepAlive: false,
                                             requestVersion: .http1_1, date: HTTPDate.string()) + response.body
        SocketIO.sendWithoutBlocking(bytes, on: fileDescriptor)
        shutdown(fileDescriptor, Int32(SHUT_WR))
        closer.close(fileDescriptor)
    }

    // MARK: - One connection

    /// The connection's thread: TLS handshake, the request loop, then the close.
    private func runConnection<Handler: HTTPHandler>(_ fileDescriptor: Int32, remote: SocketAddress, id: UInt64,
                                                     handler: Handler) {
        // The first request's head must arrive within the header timeout of the accept.
        let firstHeadDeadline = Deadline.after(configuration.headerReadTimeout)
        var logger = configuration.logger
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "remote"] = "\(remote)"
        _ = SocketIO.setOption(fileDescriptor, level: Int32(IPPROTO_TCP), name: TCP_NODELAY, value: 1)
        let stream: ByteStream
        if let tlsContext {
            do {
                stream = try TLSStream(fileDescriptor: fileDescriptor, context: tlsContext,
                                       handshakeDeadline: .after(configuration.tlsHandshakeTimeout))
            } catch {
                logger.debug("TLS handshake failed", metadata: ["error": "\(error)"])
                release(connectionID: id)
                close(fileDescriptor)
                return
            }
        } else {
            stream = SocketStream(fileDescriptor: fileDescriptor)
        }
        let connection = HTTPConnection(stream: stream, remoteAddress: remote, isSecure: tlsContext != nil,
                                        configuration: configuration, logger: logger)
        // The handler may read the server's count through its context; it holds no server.
        let context = ConnectionContext(fileDescriptor: fileDescriptor, remoteAddress: remote,
                                        isSecure: tlsContext != nil, connectionID: id,
                                        requestsInFlight: { [weak self] in self?.inFlightRequestCount ?? 0 })
        let ending = serve(connection, context: context, handler: handler, firstHeadDeadline: firstHeadDeadline)
        context.invalidate()
        // Forgotten before the socket is closed, so `stop()` never touches a reused descriptor.
        release(connectionID: id)
        switch ending {
        case .graceful:
            stream.finishSending()
            closer.close(fileDescriptor)
        case .abrupt:
            close(fileDescriptor)
        }
    }

    /// Serves requests until the client leaves, a request ends the connection, or draining closes it.
    private func serve<Handler: HTTPHandler>(_ connection: HTTPConnection, context: ConnectionContext,
                                             handler: Handler, firstHeadDeadline: Deadline) -> HTTPConnection.Ending {
        var isFirstRequest = true
        while true {
            // Later requests may idle for the keep-alive timeout, then have the header timeout from their first byte.
            let idleDeadline = isFirstRequest ? firstHeadDeadline : .after(configuration.keepAliveIdleTimeout)
            guard connection.waitForRequest(until: idleDeadline, interruptFD: drainPipe.read) else { return .graceful }
            let headDeadline = isFirstRequest ? firstHeadDeadline : .after(configuration.headerReadTimeout)
            countInFlight(+1)
            let ending = exchange(on: connection, context: context, handler: handler, headDeadline: headDeadline)
            countInFlight(-1)
            if let ending { return ending }
            isFirstRequest = false
        }
    }

    /// One request, head to last response byte; nil keeps the connection for the next one.
    private func exchange<Handler: HTTPHandler>(on connection: HTTPConnection, context: ConnectionContext,
                                                handler: Handler, headDeadline: Deadline) -> HTTPConnection.Ending? {
        let start = ContinuousClock.now
        /// Writes the response, then lets the handler log and count the exchange.
        func answer(_ response: HTTPResponseMessage, head: HTTPRequestHead?, exchange: Handler.Exchange?,
                    keepAlive: Bool) -> HTTPConnection.Ending? {
            let keepAlive = keepAlive && !isDraining
            let written = connection.write(response, head: head, keepAlive: keepAlive)
            handler.finished(exchange, record: connection.record(status: response.head.status.code, head: head,
                                                                 since: start))
            guard written else { return .abrupt }
            return keepAlive ? nil : .graceful
        }

        let head: HTTPRequestHead
        switch connection.readHead(until: headDeadline) {
        case let .value(parsed): head = parsed
        case let .close(ending): return ending
        case let .answerAndClose(problem): return answer(problem, head: nil, exchange: nil, keepAlive: false)
        }

        // Early answer (before 100 Continue and before the body).
        var exchange: Handler.Exchange
        switch handler.head(head.request, connection: context) {
        case let .answer(response, early):
            // An unread body would be taken for the next request: close after answering.
            guard !head.hasBody else { return answer(response, head: head, exchange: early, keepAlive: false) }
            connection.skipEmptyBody()
            // After a refused CONNECT the client may already be sending tunnel bytes: never read them as HTTP.
            return answer(response, head: head, exchange: early,
                          keepAlive: head.keepAlive && head.request.method != .connect)
        case let .readBody(accepted):
            exchange = accepted
        }

        if head.expectsContinue, head.hasBody, !connection.sendContinue() { return .abrupt }
        let body: [UInt8]
        let trailerFields: HTTPFields
        switch connection.readBody() {
        case let .value(read): (body, trailerFields) = read
        case let .close(ending): return ending
        case let .answerAndClose(problem): return answer(problem, head: head, exchange: exchange, keepAlive: false)
        }

        let request = HTTPRequestMessage(head: head.request, version: head.version, body: body,
                                         trailerFields: trailerFields, remoteAddress: connection.remoteAddress,
                                         isSecure: connection.isSecure)
        let response = handler.respond(to: request, exchange: &exchange, connection: context)
        return answer(response, head: head, exchange: exchange, keepAlive: head.keepAlive)
    }

    // MARK: - Bookkeeping

    private func countInFlight(_ change: Int) {
        state.lock()
        inFlightRequests += change
        if change < 0 { state.broadcast() }
        state.unlock()
    }

    private func release(connectionID: UInt64) {
        state.lock()
        connections[connectionID] = nil
        state.broadcast()
        state.unlock()
    }
}
