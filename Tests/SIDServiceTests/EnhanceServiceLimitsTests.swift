import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// The limits that protect the service: body size (413), header size (431), slowness (408), pixel count (422), TLS.
final class EnhanceServiceLimitsTests: XCTestCase {
    func testBodyTooLargeIs413BeforeTheUploadOrDuringAChunkedOne() throws {
        let harness = try ServiceHarness { $0.maxBodyMegabytes = 1 }
        let url = "\(harness.baseURL)/v1/enhance?ratio=100"

        let declared = try Curl.run(["--data-binary", "@\(SampleRaws.large)", "-H", "Content-Type: application/octet-stream", url])
        XCTAssertEqual(declared.status, 413, declared.bodyText)
        XCTAssertEqual(declared.header("Content-Type"), "application/problem+json")
        XCTAssertTrue(declared.bodyText.contains("larger than the 1048576 bytes"), declared.bodyText)
        XCTAssertFalse(declared.headerDump.contains("100 Continue"), "refused instead of 100 Continue")

        let chunked = try Curl.run(["--data-binary", "@\(SampleRaws.large)", "-H", "Transfer-Encoding: chunked",
                                    "-H", "Content-Type: application/octet-stream", url])
        XCTAssertEqual(chunked.status, 413, chunked.bodyText)

        XCTAssertEqual(try Curl.run(["--data-binary", "@\(SampleRaws.small)", url]).status, 200, "small uploads still pass")
    }

    func testHeaderFieldsOverTheConfiguredSizeAre431() throws {
        let harness = try ServiceHarness { $0.maxHeaderKilobytes = 1 }
        let url = "\(harness.baseURL)/healthz"
        let large = try Curl.run(["-H", "X-Padding: \(String(repeating: "a", count: 1100))", url])
        XCTAssertEqual(large.status, 431, large.bodyText)
        XCTAssertEqual(large.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(try Curl.run(["-H", "X-Padding: \(String(repeating: "a", count: 700))", url]).status, 200,
                       "headers under the limit still pass")
    }

    func testSlowRequestsAre408() throws {
        let harness = try ServiceHarness {
            $0.headerTimeout = .milliseconds(500)
            $0.bodyIdleTimeout = .milliseconds(500)
        }
        let head = try TestSocket(port: harness.port)
        try head.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
        let headTimeout = try head.readResponse(timeout: 5)
        XCTAssertEqual(headTimeout.status, 408)
        XCTAssertTrue(headTimeout.bodyText.contains("did not arrive within"), headTimeout.bodyText)

        let body = try TestSocket(port: harness.port)
        try body.send("POST /v1/enhance HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789")
        let bodyTimeout = try body.readResponse(timeout: 5)
        XCTAssertEqual(bodyTimeout.status, 408)
        XCTAssertTrue(bodyTimeout.bodyText.contains("stalled"), bodyTimeout.bodyText)
        let timeouts = try harness.scrapeMetrics().filter { $0.key.contains("status=\"408\"") }.values.reduce(0, +)
        XCTAssertEqual(timeouts, 2, "the server's own answers are counted too")
    }

    func testTooManyPixelsIs422() throws {
        let harness = try ServiceHarness { $0.maxMegapixels = 1 }
        let result = try Curl.run(["--data-binary", "@\(SampleRaws.large)", "-H", "Content-Type: application/octet-stream",
                                   "\(harness.baseURL)/v1/enhance?ratio=100"])
        XCTAssertEqual(result.status, 422, result.bodyText)
        XCTAssertTrue(result.bodyText.contains("more than the limit of 1000000"), result.bodyText)
    }

    func testTLSWithACertificateTheTestMakes() throws {
        let directory = SampleRaws.directory.appendingPathComponent("tls")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let openssl = try Subprocess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", key, "-out", certificate,
        ])
        XCTAssertEqual(openssl.status, 0, openssl.stderr)

        let harness = try ServiceHarness {
            $0.tlsCertificate = certificate
            $0.tlsKey = key
        }
        let url = "https://localhost:\(harness.port)"
        let health = try Curl.run(["--cacert", certificate, "\(url)/healthz"])
        XCTAssertEqual(health.status, 200, health.stderr)
        let upload = try Curl.run(["--cacert", certificate, "-F", "file=@\(SampleRaws.small)", "-F", "ratio=100",
                                   "\(url)/v1/enhance"])
        XCTAssertEqual(upload.status, 200, upload.stderr)
        XCTAssertEqual(upload.header("Content-Type"), "image/png")

        let untrusted = try Curl.run(["\(url)/healthz"])
        XCTAssertNotEqual(untrusted.exitCode, 0, "curl refuses a certificate it was not given")
        let plain = try Curl.run(["--max-time", "5", "http://127.0.0.1:\(harness.port)/healthz"])
        XCTAssertNotEqual(plain.status, 200, "plain HTTP is not served on the TLS port")
    }
}
