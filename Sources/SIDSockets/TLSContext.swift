import COpenSSL

/// An OpenSSL server context loaded from a PEM certificate chain and private key.
public final class TLSContext: @unchecked Sendable {
    // SSL_CTX is reference counted and safe to share between threads once configured.
    let context: OpaquePointer

    public init(certificateChainPath: String, privateKeyPath: String) throws {
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
