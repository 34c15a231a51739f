import Foundation
import SIDTestSupport
import XCTest

/// A missing `../shared` asset skips by default and fails under SID_REQUIRE_SHARED=1, naming the path.
final class SharedAssetsTests: XCTestCase {
    private let missing = "sid-assets/raws/no-such-file-\(UUID().uuidString).arw"
    private let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-no-shared")

    func testAMissingAssetSkipsWhenNotRequired() {
        var failures: [String] = []
        XCTAssertThrowsError(try SharedAssets.locate(missing, in: directory, required: false) { failures.append($0) }) {
            XCTAssertTrue($0 is XCTSkip, "expected a skip, got \($0)")
        }
        XCTAssertEqual(failures, [])
    }

    func testAMissingAssetFailsWithItsPathWhenRequired() {
        var failures: [String] = []
        XCTAssertThrowsError(try SharedAssets.locate(missing, in: directory, required: true) { failures.append($0) }) {
            XCTAssertFalse($0 is XCTSkip, "a required asset must not skip")
            XCTAssertTrue("\($0)".contains(missing), "\($0)")
        }
        XCTAssertEqual(failures.count, 1)
        XCTAssertTrue(failures.first?.contains(directory.appendingPathComponent(missing).path) == true, "\(failures)")
    }

    func testAPresentAssetIsFoundEitherWay() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("sid-shared-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("sid-assets"),
                                                withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try Data("x".utf8).write(to: root.appendingPathComponent("sid-assets/file"))
        for required in [false, true] {
            let url = try SharedAssets.locate("sid-assets/file", in: root, required: required) { XCTFail($0) }
            XCTAssertEqual(url.path, root.appendingPathComponent("sid-assets/file").path)
        }
    }

    /// `../shared` is the folder beside the checkout, whose Package.swift is three levels above this file.
    func testTheSharedFolderIsBesideTheCheckout() {
        let checkout = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkout.appendingPathComponent("Package.swift").path))
        XCTAssertEqual(SharedAssets.directory.standardizedFileURL.path,
                       checkout.deletingLastPathComponent().appendingPathComponent("shared").standardizedFileURL.path)
    }
}
