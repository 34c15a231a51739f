import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// CORS in a real browser: a page on another origin posts a raw to /v1/enhance from headless Chromium
/// (scripts/ci/browser-cors.py). The allowed origin gets through the preflight and reads the image and the
/// X-SID-* headers; the same page under another origin is stopped by the browser.
final class CORSBrowserTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/ci/browser-cors.py").path


    /// A port nothing listens on right now, for the page's own server.
    private func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { pointer in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                guard bind(descriptor, $0, length) == 0, getsockname(descriptor, $0, &length) == 0 else {
                    throw XCTSkip("no free port")
                }
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    func testAPageOnAnAllowedOriginCallsTheAPIAndAnotherOriginIsStopped() throws {
        try HeadlessChromium.require()
        let pagePort = try freePort()
        let harness = try ServiceHarness { $0.corsOrigins = ["http://127.0.0.1:\(pagePort)"] }
        let output = try Subprocess.run("/usr/bin/python3", [
            Self.script, "--api", harness.baseURL, "--raw", SampleRaws.small, "--page-port", "\(pagePort)",
        ], timeout: 120)
        XCTAssertEqual(output.status, 0, "stdout: \(output.stdout)\nstderr: \(output.stderr)")
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: [String: Any]],
                                    output.stdout)
        let allowed = try XCTUnwrap(summary["allowed"])
        XCTAssertEqual(allowed["status"] as? Int, 200, "\(allowed)")
        XCTAssertEqual(allowed["contentType"] as? String, "image/jpeg")
        XCTAssertEqual(allowed["model"] as? String, "sid-sony", "X-SID-Model is exposed to the page")
        XCTAssertEqual(allowed["ratio"] as? String, "100")
        XCTAssertEqual(allowed["ignored"] as? String, "proxy_token")
        XCTAssertEqual(allowed["requestId"] as? String, "cors-127.0.0.1")
        XCTAssertGreaterThan(allowed["bytes"] as? Int ?? 0, 1000)
        let refused = try XCTUnwrap(summary["refused"])
        XCTAssertTrue((refused["error"] as? String ?? "").contains("Failed to fetch"), "\(refused)")

        // What the service saw: a preflight granted, the POST, and a preflight refused; the refused page's POST
        // never left the browser.
        let lines = harness.log.requests.map { "\($0["method"] ?? "") \($0["path"] ?? "") \($0["status"] ?? "")" }
        XCTAssertTrue(lines.contains("OPTIONS /v1/enhance?ratio=100&proxy_token=abc 204"), "\(lines)")
        XCTAssertTrue(lines.contains("POST /v1/enhance?ratio=100&proxy_token=abc 200"), "\(lines)")
        XCTAssertTrue(lines.contains("OPTIONS /v1/enhance?ratio=100&proxy_token=abc 403"), "\(lines)")
        XCTAssertEqual(lines.filter { $0.hasPrefix("POST") }.count, 1, "\(lines)")
    }
}
