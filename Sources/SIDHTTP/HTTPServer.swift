import Foundation
import HTTPTypes
import Logging

/// An HTTP/1.1 server: one accept thread, one thread per connection, blocking I/O with poll-based timeouts.
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
                                        privateKeyPath: tls.privateKeyPath)
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

        let connection = HTTPConnection(server: self, handler: handler, fileDescriptor: fileDescriptor,
                                        remoteAddress: remote, connectionID: id, tlsContext: tlsContext,
                                        drainSignal: drainPipe.read)
        let thread = Thread { connection.run() }
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

    // MARK: - Reports from connections

    func requestStarted() {
        state.lock()
        inFlightRequests += 1
        state.unlock()
    }

    func requestFinished() {
        state.lock()
        inFlightRequests -= 1
        state.broadcast()
        state.unlock()
    }

    /// Forgets the connection before its socket is closed, so `stop()` never touches a reused descriptor.
    func release(connectionID: UInt64) {
        state.lock()
        connections[connectionID] = nil
        state.broadcast()
        state.unlock()
    }

    func closeLingering(_ fileDescriptor: Int32) {
        closer.close(fileDescriptor)
    }
}
