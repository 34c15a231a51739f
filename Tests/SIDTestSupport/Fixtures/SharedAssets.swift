import Foundation
import XCTest

/// The real camera raws and reference files in `../shared` beside the checkout, which the repository may not
/// hold. Where they are absent a test skips, unless SID_REQUIRE_SHARED=1 (CI, whose machine has them): then a
/// missing asset fails the test, so a broken path cannot pass unnoticed as a row of skips.
public enum SharedAssets {
    /// `../shared`; resolving symlinks finds the real checkout even when the tests are built through a linked package.
    public static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared")

    /// Whether a missing asset fails the test instead of skipping it.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["SID_REQUIRE_SHARED"] == "1" }

    /// Thrown after the failure is recorded, to end a test whose required asset is missing.
    public struct Missing: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "shared asset \(path) is missing" }
    }

    /// The asset at `relativePath` under `../shared`.
    public static func url(_ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        try locate(relativePath, in: directory, required: isRequired) { XCTFail($0, file: file, line: line) }
    }

    /// The lookup itself, its setting and failure report passed in so that it can be tested both ways.
    public static func locate(_ relativePath: String, in directory: URL, required: Bool,
                              fail: (String) -> Void) throws -> URL {
        let url = directory.appendingPathComponent(relativePath)
        guard !FileManager.default.fileExists(atPath: url.path) else { return url }
        if required {
            fail("shared asset \(url.path) is missing and SID_REQUIRE_SHARED=1")
            throw Missing(path: url.path)
        }
        throw XCTSkip("shared asset \(url.path) is not present (SID_REQUIRE_SHARED=1 makes this a failure)")
    }
}
