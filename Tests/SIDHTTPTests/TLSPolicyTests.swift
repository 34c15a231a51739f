import Foundation
import SIDHTTP
import SIDSockets
import SIDTestSupport
import XCTest

/// The TLS policy as `openssl s_client` sees it: TLS 1.2+ with forward-secret AEAD suites only (Mozilla
/// "intermediate"), ALPN http/1.1, and a cipher list operators can set.
final class TLSPolicyTests: ServerTestCase {
    private func certificate() throws -> (certificate: String, key: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw XCTSkip("the openssl CLI is not installed")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-tls-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let result = try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                                  "-keyout", key, "-out", certificate])
        XCTAssertEqual(result.status, 0, result.output)
        return (certificate, key)
    }

    /// Runs the openssl CLI with empty stdin; stdout and stderr together.
    private func openssl(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// One handshake: whether it completed, and what s_client printed.
    private func handshake(_ port: Int, _ options: [String]) throws -> (completed: Bool, output: String) {
        let result = try openssl(["s_client", "-connect", "127.0.0.1:\(port)", "-servername", "localhost"] + options)
        let completed = result.status == 0 && result.output.contains("Cipher is ") && !result.output.contains("Cipher is (NONE)")
        return (completed, result.output)
    }

    func testOnlyForwardSecretAEADSuitesAndALPNHTTP11AreOffered() throws {
        let files = try certificate()
        let server = try startServer { $0.tls = .init(certificateChainPath: files.certificate, privateKeyPath: files.key) }
        // @SECLEVEL=0 so the client really offers the old suites; the server must refuse them.
        for weak in ["AES128-SHA", "AES256-GCM-SHA384", "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA384", "DHE-RSA-AES128-SHA"] {
            let attempt = try handshake(server.port, ["-tls1_2", "-cipher", "\(weak):@SECLEVEL=0"])
            XCTAssertFalse(attempt.completed, "\(weak) was accepted: \(attempt.output.suffix(800))")
        }
        for version in ["-tls1", "-tls1_1"] {
            let attempt = try handshake(server.port, [version, "-cipher", "ALL:@SECLEVEL=0"])
            XCTAssertFalse(attempt.completed, "\(version) was accepted")
        }
        for good in ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305"] {
            let attempt = try handshake(server.port, ["-tls1_2", "-cipher", good])
            XCTAssertTrue(attempt.completed, "\(good) refused: \(attempt.output.suffix(800))")
        }
        let modern = try handshake(server.port, ["-tls1_3", "-alpn", "h2,http/1.1"])
        XCTAssertTrue(modern.completed, modern.output.suffix(800).description)
        XCTAssertTrue(modern.output.contains("ALPN protocol: http/1.1"), modern.output)
        let h2Only = try handshake(server.port, ["-alpn", "h2"])
        XCTAssertTrue(h2Only.completed, "no shared protocol is no failed handshake")
        XCTAssertTrue(h2Only.output.contains("No ALPN negotiated"), h2Only.output)
    }

    func testOperatorsSetTheCipherList() throws {
        let files = try certificate()
        let server = try startServer {
            $0.tls = .init(certificateChainPath: files.certificate, privateKeyPath: files.key,
                           cipherList: "ECDHE-RSA-AES256-GCM-SHA384")
        }
        XCTAssertTrue(try handshake(server.port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"]).completed)
        XCTAssertFalse(try handshake(server.port, ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"]).completed)
        XCTAssertThrowsError(try startServer {
            $0.tls = .init(certificateChainPath: files.certificate, privateKeyPath: files.key, cipherList: "NO-SUCH-SUITE")
        })
    }
}
