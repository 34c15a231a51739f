import Foundation
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
}
