import Logging

extension HTTPServer {
    /// Certificate and key for serving HTTPS.
    public struct TLSConfiguration: Sendable {
        /// PEM file with the server certificate followed by any intermediates.
        public var certificateChainPath: String
        /// PEM file with the private key of the certificate.
        public var privateKeyPath: String
        /// TLS 1.2 cipher suites in OpenSSL syntax; nil uses `TLSContext.intermediateCipherList` (forward-secret
        /// AEAD only).
        public var cipherList: String?

        /// Creates a TLS configuration from PEM file paths.
        public init(certificateChainPath: String, privateKeyPath: String, cipherList: String? = nil) {
            self.certificateChainPath = certificateChainPath
            self.privateKeyPath = privateKeyPath
            self.cipherList = cipherList
        }
    }

    /// Everything an `HTTPServer` needs to listen and to protect itself from slow or hostile clients.
    public struct Configuration: Sendable {
        /// Address to bind: numeric IPv4/IPv6 or a host name; "::" accepts IPv6 and IPv4.
        public var host: String
        /// TCP port; 0 picks a free one (read it back from `HTTPServer.port`).
        public var port: Int
        /// Length of the kernel's queue of not yet accepted connections.
        public var backlog: Int32
        /// Connections served at once; more are answered 503 and closed (closed without a reply under TLS).
        public var maxConnections: Int
        /// Request line, header and body size limits.
        public var limits: HTTPParserLimits
        /// Time allowed for a whole request head, from the connection's start or the request's first byte (-> 408).
        public var headerReadTimeout: Duration
        /// Longest pause allowed between body bytes (-> 408).
        public var bodyIdleTimeout: Duration
        /// Time allowed for a whole body (-> 408).
        public var bodyTotalTimeout: Duration
        /// How long a kept-alive connection may wait for its next request before it is closed silently.
        public var keepAliveIdleTimeout: Duration
        /// Longest the client may accept no response bytes before the connection is dropped.
        public var writeTimeout: Duration
        /// Time allowed for the TLS handshake.
        public var tlsHandshakeTimeout: Duration
        /// How long a closing connection keeps draining client bytes so its last response is not reset.
        public var lingerTimeout: Duration
        /// Certificate and key; nil serves plain HTTP.
        public var tls: TLSConfiguration?
        /// Where connection-level problems are logged.
        public var logger: Logger

        /// Creates a configuration; defaults suit a service behind no proxy with uploads of tens of MB.
        public init(host: String = "127.0.0.1", port: Int = 8080, backlog: Int32 = 128, maxConnections: Int = 64,
                    limits: HTTPParserLimits = HTTPParserLimits(),
                    headerReadTimeout: Duration = .seconds(10), bodyIdleTimeout: Duration = .seconds(30),
                    bodyTotalTimeout: Duration = .seconds(300), keepAliveIdleTimeout: Duration = .seconds(60),
                    writeTimeout: Duration = .seconds(30), tlsHandshakeTimeout: Duration = .seconds(10),
                    lingerTimeout: Duration = .seconds(2), tls: TLSConfiguration? = nil,
                    logger: Logger = Logger(label: "sid.http")) {
            self.host = host
            self.port = port
            self.backlog = backlog
            self.maxConnections = maxConnections
            self.limits = limits
            self.headerReadTimeout = headerReadTimeout
            self.bodyIdleTimeout = bodyIdleTimeout
            self.bodyTotalTimeout = bodyTotalTimeout
            self.keepAliveIdleTimeout = keepAliveIdleTimeout
            self.writeTimeout = writeTimeout
            self.tlsHandshakeTimeout = tlsHandshakeTimeout
            self.lingerTimeout = lingerTimeout
            self.tls = tls
            self.logger = logger
        }
    }
}
