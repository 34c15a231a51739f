import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// Requests that used to get an answer that sent the client the wrong way.
final class MisleadingAnswersTests: XCTestCase {
    func testACompressedUploadIs415ContentEncodingNotSupported() throws {
        let harness = try ServiceHarness()
        for encoding in ["gzip", "br", "deflate, gzip"] {
            let result = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "Content-Encoding: \(encoding)",
                                       "\(harness.baseURL)/v1/enhance?ratio=100"])
            XCTAssertEqual(result.status, 415, result.bodyText)
            XCTAssertTrue(result.bodyText.lowercased().contains("content encoding"), result.bodyText)
        }
        let identity = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "-H", "Content-Encoding: identity",
                                     "\(harness.baseURL)/v1/enhance?ratio=100"])
        XCTAssertEqual(identity.status, 200, identity.bodyText)
    }

    func testARatioIsDecimalOnly() throws {
        let harness = try ServiceHarness()
        for ratio in ["0x10", "0X1p4", "%200x10"] {
            let result = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(harness.baseURL)/v1/enhance?ratio=\(ratio)"])
            XCTAssertEqual(result.status, 400, "\(ratio): \(result.bodyText)")
        }
        let decimal = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(harness.baseURL)/v1/enhance?ratio=1.6e1"])
        XCTAssertEqual(decimal.status, 200, decimal.bodyText)
        XCTAssertEqual(decimal.header("X-SID-Ratio"), "16")
    }

    func testCONNECTIs501AndClosesTheConnection() throws {
        let harness = try ServiceHarness()
        let socket = try TestSocket(port: harness.port)
        try socket.send("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
        let response = try socket.readResponse()
        XCTAssertEqual(response.status, 501, response.bodyText)
        XCTAssertEqual(response.headers["connection"], "close")
        XCTAssertFalse(response.bodyText.contains("nothing at"), response.bodyText)
        XCTAssertTrue(socket.waitForClose(timeout: 5), "the connection is closed, no tunnel")
    }

    func testOPTIONSStarSaysWhatTheServerAllows() throws {
        let harness = try ServiceHarness()
        let result = try Curl.run(["-X", "OPTIONS", "--request-target", "*", harness.baseURL])
        XCTAssertEqual(result.status, 200, result.bodyText)
        XCTAssertEqual(result.header("Allow"), "GET, HEAD, POST, OPTIONS")
        let get = try Curl.run(["--request-target", "*", harness.baseURL])
        XCTAssertTrue([400, 405].contains(get.status), "GET * is no request for the server: \(get.status) \(get.bodyText)")
    }
}
