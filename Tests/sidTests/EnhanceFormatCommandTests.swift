import Foundation
import SIDTestSupport
import XCTest

/// `sid enhance` writing JPEG and TIFF: by --format or by the output's extension, in batches too.
final class EnhanceFormatCommandTests: XCTestCase {
    var sid: CommandRunner!
    var directory: URL { sid.workingDirectory }

    override func setUpWithError() throws {
        sid = try CommandRunner()
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "200", "--height", "150"]).status, 0)
    }

    override func tearDown() {
        sid = nil
    }

    private func probe(_ name: String) throws -> PillowProbe.Report {
        try PillowProbe.probe([UInt8](try Data(contentsOf: directory.appendingPathComponent(name))))
    }

    func testTheOutputsExtensionPicksTheFormat() throws {
        let jpeg = try sid.run(["enhance", "dark.dng", "--ratio", "100", "--output", "out.jpg", "--quality", "80"])
        XCTAssertEqual(jpeg.status, 0, jpeg.stderr)
        let report = try probe("out.jpg")
        XCTAssertEqual([report.format, report.mode], ["JPEG", "RGB"])
        XCTAssertEqual([report.width, report.height], [200, 150])
        XCTAssertEqual(report.tags["272"], "ILCE-7SM2", "the camera's EXIF rides along")

        let tiff = try sid.run(["enhance", "dark.dng", "--ratio", "100", "--output", "out.tiff"])
        XCTAssertEqual(tiff.status, 0, tiff.stderr)
        let tiffReport = try probe("out.tiff")
        XCTAssertEqual(tiffReport.bits, [16, 16, 16], "TIFF is 16-bit unless --bits 8")
        XCTAssertEqual(tiffReport.tags["272"], "ILCE-7SM2")
    }

    func testFormatNamesTheFilesOfABatch() throws {
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("raws"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: directory.appendingPathComponent("dark.dng"),
                                         to: directory.appendingPathComponent("raws/a.dng"))
        let outcome = try sid.run(["enhance", "raws", "--ratio", "100", "--format", "tiff", "--bits", "8", "--output-dir", "out"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertEqual(try probe("out/a.tiff").bits, [8, 8, 8])
    }

    func testContradictionsAreRefused() throws {
        try sid.assertRefuses(["enhance", "dark.dng", "--ratio", "100", "--format", "jpeg", "--output", "x.png"], mentioning: "names a png file")
        try sid.assertRefuses(["enhance", "dark.dng", "--ratio", "100", "--format", "webp"], mentioning: "--format must be png, jpeg or tiff")
        try sid.assertRefuses(["enhance", "dark.dng", "--ratio", "100", "--format", "jpeg", "--bits", "16"], mentioning: "jpeg holds 8")
        try sid.assertRefuses(["enhance", "dark.dng", "--ratio", "100", "--quality", "80"], mentioning: "--quality applies to jpeg")
    }
}
