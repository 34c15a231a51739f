import Foundation
import XCTest

/// Headless Chromium driven by selenium, as the browser tests use it (scripts/ci/browser-*.py).
public enum HeadlessChromium {
    /// Skips the test when something the browser tests need is not installed; fails instead under CI, which must
    /// have it all.
    public static func require() throws {
        var missing = ["/usr/bin/chromium", "/usr/bin/chromedriver", "/usr/bin/python3"]
            .filter { !FileManager.default.isExecutableFile(atPath: $0) }
        if missing.isEmpty, (try? Subprocess.run("/usr/bin/python3", ["-c", "import selenium"]))?.status != 0 {
            missing.append("python3-selenium")
        }
        guard !missing.isEmpty else { return }
        let message = "the browser test needs \(missing.joined(separator: ", ")); scripts/ci/install-deps.sh installs them"
        if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail(message) }
        throw XCTSkip(message)
    }
}
