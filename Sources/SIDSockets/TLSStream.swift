import COpenSSL
import Glibc

/// A ByteStream that runs a TLS server session over a non-blocking TCP socket.
public final class TLSStream: ByteStream {
    public let fileDescriptor: Int32
    private let session: OpaquePointer
    // Keeps the SSL_CTX alive as long as the session.
    private let context: TLSContext

    /// Creates the session and completes the handshake before `deadline`.
    public init(fileDescriptor: Int32, context: TLSContext, handshakeDeadline: Deadline) throws {
        guard let session = SSL_new(context.context) else {
            throw ByteStreamError.tls("SSL_new failed: \(TLSContext.drainErrors())")
        }
        self.fileDescriptor = fileDescriptor
        self.session = session
        self.context = context
        guard SSL_set_fd(session, fileDescriptor) == 1 else {
            throw ByteStreamError.tls("SSL_set_fd failed: \(TLSContext.drainErrors())")
        }
        _ = try perform(until: handshakeDeadline) { SSL_accept($0) }
    }

    deinit {
        SSL_free(session)
    }

    public func waitUntilReadable(until deadline: Deadline, interruptFD: Int32) -> SocketIO.Readiness {
        if SSL_has_pending(session) == 1 { return .ready }
        return SocketIO.wait(for: Int16(POLLIN), on: fileDescriptor, until: deadline, interruptFD: interruptFD)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, until deadline: Deadline) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let count = Int32(clamping: buffer.count)
        return Int(try perform(until: deadline, endOfStreamResult: 0) { SSL_read($0, base, count) })
    }

    public func write(_ bytes: UnsafeRawBufferPointer, stallTimeout: Duration) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let count = Int32(clamping: bytes.count - offset)
            let written = try perform(until: .after(stallTimeout)) { SSL_write($0, base + offset, count) }
            offset += Int(written)
        }
    }

    public func finishSending() {
        // One non-blocking attempt: close_notify is a courtesy, the socket is closed either way.
        ERR_clear_error()
        _ = SSL_shutdown(session)
        shutdown(fileDescriptor, Int32(SHUT_WR))
    }

    /// Runs an OpenSSL I/O call until it succeeds, waiting on the socket whenever OpenSSL asks to.
    /// `endOfStreamResult` is returned for a clean or abrupt end of stream; nil makes that an error.
    private func perform(until deadline: Deadline, endOfStreamResult: Int32? = nil,
                         _ operation: (OpaquePointer) -> Int32) throws -> Int32 {
        while true {
            ERR_clear_error()
            errno = 0
            let result = operation(session)
            if result > 0 { return result }
            let error = SSL_get_error(session, result)
            switch error {
            case SSL_ERROR_WANT_READ:
                try SocketIO.waitOrThrow(for: Int16(POLLIN), on: fileDescriptor, until: deadline)
            case SSL_ERROR_WANT_WRITE:
                try SocketIO.waitOrThrow(for: Int16(POLLOUT), on: fileDescriptor, until: deadline)
            case SSL_ERROR_ZERO_RETURN:
                if let endOfStreamResult { return endOfStreamResult }
                throw ByteStreamError.connectionReset
            case SSL_ERROR_SYSCALL:
                let code = errno
                if code == 0 || code == ECONNRESET || code == EPIPE {
                    // A peer that closes without close_notify: an end of stream for reads, a reset otherwise.
                    if let endOfStreamResult, code == 0 { return endOfStreamResult }
                    throw ByteStreamError.connectionReset
                }
                throw ByteStreamError.ioFailed(operation: "TLS socket I/O", errno: code)
            default:
                throw ByteStreamError.tls(TLSContext.drainErrors())
            }
        }
    }
}

/// An OpenSSL server context loaded from a PEM certificate chain and private key.
public final class TLSContext: @unchecked Sendable {
    // SSL_CTX is reference counted and safe to share between threads once configured.
    let context: OpaquePointer

    /// Mozilla's "intermediate" TLS 1.2 suites: ECDHE or DHE key exchange (forward secrecy) with AES-GCM or
    /// ChaCha20-Poly1305 (AEAD) only; no static RSA, no CBC, no SHA-1 MACs. TLS 1.3's suites all qualify.
    public static let intermediateCipherList = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
        + "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
        + "ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"

    /// Loads the certificate and key; `cipherList` (OpenSSL syntax, TLS 1.2 suites) replaces
    /// `intermediateCipherList`. ALPN offers `http/1.1`, the only protocol served.
    public init(certificateChainPath: String, privateKeyPath: String, cipherList: String? = nil) throws {
        guard let method = TLS_server_method(), let context = SSL_CTX_new(method) else {
            throw SocketError.tlsSetup("SSL_CTX_new failed: \(Self.drainErrors())")
        }
        self.context = context
        // TLS 1.2 is the oldest version still considered safe; renegotiation is an old DoS vector.
        SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        // Abrupt EOF reads as end of stream: HTTP framing, not TLS, decides whether a message was cut short.
        SSL_CTX_set_options(context, Self.noRenegotiation | Self.ignoreUnexpectedEOF)
        // Our writes can be resumed with a different pointer and may complete partially.
        SSL_CTX_ctrl(context, SSL_CTRL_MODE, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER), nil)
        let ciphers = cipherList ?? Self.intermediateCipherList
        guard SSL_CTX_set_cipher_list(context, ciphers) == 1 else {
            throw SocketError.tlsSetup("no usable TLS 1.2 cipher in \"\(ciphers)\": \(Self.drainErrors())")
        }
        // DHE suites need parameters; OpenSSL picks ones that match the certificate's strength.
        SSL_CTX_ctrl(context, SSL_CTRL_SET_DH_AUTO, 1, nil)
        SSL_CTX_set_alpn_select_cb(context, Self.selectHTTP11, nil)
        guard SSL_CTX_use_certificate_chain_file(context, certificateChainPath) == 1 else {
            throw SocketError.tlsSetup("cannot load the certificate chain \(certificateChainPath): \(Self.drainErrors())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw SocketError.tlsSetup("cannot load the private key \(privateKeyPath): \(Self.drainErrors())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw SocketError.tlsSetup("the private key \(privateKeyPath) does not match the certificate: \(Self.drainErrors())")
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// Picks `http/1.1` from the client's ALPN list; a client offering only other protocols (h2 alone) gets no
    /// ALPN answer rather than a failed handshake, and is then spoken to in HTTP/1.1.
    private static let selectHTTP11: @convention(c) (OpaquePointer?, UnsafeMutablePointer<UnsafePointer<UInt8>?>?,
                                                     UnsafeMutablePointer<UInt8>?, UnsafePointer<UInt8>?, UInt32,
                                                     UnsafeMutableRawPointer?) -> Int32 = { _, out, outLength, offered, offeredLength, _ in
        guard let out, let outLength, let offered else { return SSL_TLSEXT_ERR_NOACK }
        let wanted: [UInt8] = Array("http/1.1".utf8)
        var index = 0
        while index < Int(offeredLength) {
            let length = Int(offered[index])
            let start = index + 1
            guard start + length <= Int(offeredLength) else { break }
            if length == wanted.count, (0 ..< length).allSatisfy({ offered[start + $0] == wanted[$0] }) {
                out.pointee = offered + start
                outLength.pointee = UInt8(length)
                return SSL_TLSEXT_ERR_OK
            }
            index = start + length
        }
        return SSL_TLSEXT_ERR_NOACK
    }

    // SSL_OP_NO_RENEGOTIATION and SSL_OP_IGNORE_UNEXPECTED_EOF are function-like macros, so not imported.
    private static let noRenegotiation: UInt64 = 1 << 30
    private static let ignoreUnexpectedEOF: UInt64 = 1 << 7

    /// Empties this thread's OpenSSL error queue into one readable line.
    public static func drainErrors() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(cString: buffer))
        }
        return messages.isEmpty ? "no details from OpenSSL" : messages.joined(separator: "; ")
    }
}
