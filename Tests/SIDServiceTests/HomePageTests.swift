import Foundation
import Logging
import SIDImage
import SIDTestSupport
import XCTest

/// The page at / in a real browser: headless Chromium driven by selenium (scripts/ci/browser-home-page.py).
final class HomePageTests: XCTestCase {
    private static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/ci/browser-home-page.py").path


    func testTheHomePageEnhancesARawInARealBrowser() throws {
        try HeadlessChromium.require()
        let harness = try ServiceHarness()
        let screenshot = SampleRaws.directory.appendingPathComponent("home-page.png").path
        // The baseline model, so the screenshot shows a picture rather than synthetic weights' noise.
        let output = try Subprocess.run("/usr/bin/python3", [
            Self.script, "--url", "\(harness.baseURL)/", "--raw", SampleRaws.large, "--ratio", "100",
            "--model", "baseline", "--screenshot", screenshot, "--timeout", "60",
        ], timeout: 120)
        XCTAssertEqual(output.status, 0, "stdout: \(output.stdout)\nstderr: \(output.stderr)")
        let summary = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], output.stdout)
        XCTAssertEqual(summary["naturalWidth"] as? Int, 1424)
        XCTAssertEqual(summary["naturalHeight"] as? Int, 1064)
        let status = summary["status"] as? String ?? ""
        XCTAssertTrue(status.contains("model baseline, ratio 100 (given)"), status)

        let picture = try PNGDecoder().decode([UInt8](try Data(contentsOf: URL(fileURLWithPath: screenshot))))
        XCTAssertEqual(picture.width, 1280)
        XCTAssertGreaterThan(picture.height, 900)
        let posts = harness.log.requests.filter { $0["path"] == "/v1/enhance" && $0["method"] == "POST" }
        XCTAssertEqual(posts.map { $0["status"] }, ["200"], "the page posted the form once")
    }

    /// With API keys on, the page shows a key field after /v1/models answers 401, and sends the key typed there
    /// as X-API-Key with the models request and the upload (never in the form's body).
    func testTheHomePageAsksForAnAPIKeyWhenTheServiceWantsOne() throws {
        try HeadlessChromium.require()
        let key = "home-page-key-0123456789"
        let keys = SampleRaws.write("home-page-keys-\(UUID().uuidString)", Data("\(key)\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: keys) }
        let harness = try ServiceHarness { $0.apiKeysFile = keys }
        let screenshot = SampleRaws.directory.appendingPathComponent("home-page-key.png").path
        let output = try Subprocess.run("/usr/bin/python3", [
            Self.script, "--url", "\(harness.baseURL)/", "--raw", SampleRaws.small, "--ratio", "100",
            "--model", "baseline", "--api-key", key, "--screenshot", screenshot, "--timeout", "60",
        ], timeout: 120)
        XCTAssertEqual(output.status, 0, "stdout: \(output.stdout)\nstderr: \(output.stderr)")
        let summary = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any], output.stdout)
        XCTAssertGreaterThan(summary["naturalWidth"] as? Int ?? 0, 0)
        let statuses = { (path: Logger.MetadataValue, method: Logger.MetadataValue) in
            harness.log.requests.filter { $0["path"] == path && $0["method"] == method }.map { "\($0["status"] ?? "?")" }
        }
        XCTAssertEqual(statuses("/v1/models", "GET"), ["401", "200"], "without the key, then with it")
        XCTAssertEqual(statuses("/v1/enhance", "POST"), ["200"], "the upload carried the key")
    }
}
