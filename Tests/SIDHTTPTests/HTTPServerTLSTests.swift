import Foundation
import SIDHTTP
import SIDTestSupport
import XCTest

/// HTTPS with a self-signed certificate made by the openssl CLI.
final class HTTPServerTLSTests: ServerTestCase {
    private func makeCertificate() throws -> (certificate: String, key: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") else {
            throw XCTSkip("the openssl CLI is not installed")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = try Subprocess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate])
        guard openssl.status == 0 else { throw XCTSkip("openssl could not make a certificate: \(openssl.stderr)") }
        return (certificate, key)
    }

    func testCurlOverTLS() throws {
        try requireCurl()
        let files = try makeCertificate()
        let server = try startServer {
            $0.tls = .init(certificateChainPath: files.certificate, privateKeyPath: files.key)
        }
        let base = "https://localhost:\(server.port)"
        let resolve = "localhost:\(server.port):127.0.0.1"
        let get = try Curl.run(["--cacert", files.certificate, "--resolve", resolve, base + "/healthz"])
        XCTAssertEqual(get.exitCode, 0, get.stderr)
        XCTAssertEqual(get.output, "ok")

        let file = try temporaryFile(size: 2 * 1024 * 1024)
        let post = try Curl.run(["--cacert", files.certificate, "--resolve", resolve, "--data-binary", "@\(file.path)",
                                 "--write-out", "\n%{time_total}", base + "/echo"])
        XCTAssertEqual(post.exitCode, 0, post.stderr)
        XCTAssertTrue(post.output.hasPrefix("length=\(file.bytes.count) fnv=\(TestHandler.fnv1a(file.bytes[...])) "),
                      post.output)
        XCTAssertLessThan(try XCTUnwrap(post.output.split(separator: "\n").last.flatMap { Double($0) }), 0.8)

        let keepAlive = try Curl.run(["--cacert", files.certificate, "--resolve", resolve, "--output", "/dev/null",
                                      "--output", "/dev/null", "--write-out", "%{num_connects}\n",
                                      base + "/healthz", base + "/healthz"])
        XCTAssertEqual(keepAlive.output.split(separator: "\n"), ["1", "0"], keepAlive.stderr)
    }

    func testPlainHTTPToTheTLSPortFailsTheHandshakeOnly() throws {
        let files = try makeCertificate()
        let server = try startServer {
            $0.tls = .init(certificateChainPath: files.certificate, privateKeyPath: files.key)
        }
        let client = try TestSocket(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(client.readUntilClosed(timeout: 3).closed)
        XCTAssertTrue(eventually { server.activeConnectionCount == 0 })
        XCTAssertTrue(handler.handledPaths.isEmpty)
    }

    func testStalledHandshakeTimesOut() throws {
        let files = try makeCertificate()
        let server = try startServer {
            $0.tls = .init(certificateChainPath: files.certificate, privateKeyPath: files.key)
            $0.tlsHandshakeTimeout = .milliseconds(300)
        }
        let client = try TestSocket(port: server.port)
        XCTAssertTrue(client.readUntilClosed(timeout: 3).closed)
        XCTAssertTrue(eventually { server.activeConnectionCount == 0 })
    }

    func testMissingCertificateIsAClearError() {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.tls = .init(certificateChainPath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
        let server = HTTPServer(configuration: configuration, handler: handler)
        XCTAssertThrowsError(try server.start()) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot set up TLS: cannot load the certificate chain /nonexistent/cert.pem"),
                          "\(error)")
        }
    }
}
