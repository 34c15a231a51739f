import Foundation
import SIDImage
import SIDTestSupport
import XCTest

/// The `sid` commands end to end, as the README shows them.
final class CommandLineTests: XCTestCase {
    var sid: CommandRunner!
    var directory: URL { sid.workingDirectory }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SIDNetworkTests/Fixtures")

    override func setUpWithError() throws {
        sid = try CommandRunner()
    }

    override func tearDown() {
        sid = nil
    }

    private func png(_ name: String) throws -> DecodedPNG {
        try PNGDecoder().decode(Array(try Data(contentsOf: directory.appendingPathComponent(name))))
    }

    func testSampleThenEnhanceWithTheBaselineWhenNoWeightsExist() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "200", "--height", "150"]).status, 0)
        let outcome = try sid.run(["enhance", "dark.dng", "--ratio", "auto", "--output", "out.png"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stderr.contains("baseline"), outcome.stderr)
        let image = try png("out.png")
        XCTAssertEqual([image.width, image.height, image.bitDepth], [200, 150, 8])
        XCTAssertEqual(image.textValue(forKey: "sid:model"), "baseline")
    }

    func testInfoPrintsTheRawMetadataAsJSON() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "200", "--height", "150"]).status, 0)
        let outcome = try sid.run(["info", "dark.dng"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["cfa"] as? String, "RGGB")
        XCTAssertEqual(json["model"] as? String, "ILCE-7SM2")
        XCTAssertEqual(json["width"] as? Int, 200)
        XCTAssertEqual(json["white_level"] as? Double, 16383)
    }

    func testConvertThenEnhanceWithTheUNetIn16Bits() throws {
        let checkpoint = Self.fixtures.appendingPathComponent("parity_w8.pth").path
        let convert = try sid.run(["convert", checkpoint, "--output", "w8.safetensors"])
        XCTAssertEqual(convert.status, 0, convert.stderr)
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "130", "--height", "97"]).status, 0)
        let outcome = try sid.run(["enhance", "dark.dng", "--ratio", "100", "--bits", "16",
                                   "--weights", "w8.safetensors", "--output", "out16.png"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let image = try png("out16.png")
        // 130x97 packs to 65x48 (the odd row is dropped), the U-Net doubles it back.
        XCTAssertEqual([image.width, image.height, image.bitDepth], [130, 96, 16])
        XCTAssertEqual(image.textValue(forKey: "sid:model"), "sid-sony")
        XCTAssertEqual(image.textValue(forKey: "sid:ratio"), "100")

        let baseline = try sid.run(["enhance", "dark.dng", "--ratio", "100", "--model", "baseline",
                                    "--weights", "w8.safetensors", "--output", "base.png"])
        XCTAssertEqual(baseline.status, 0, baseline.stderr)
        XCTAssertEqual(try png("base.png").textValue(forKey: "sid:model"), "baseline")
    }

    /// A Fuji shooter's path: an X-Trans sample, a Fuji-shaped checkpoint beside a Sony one, the model
    /// chosen by the raw's sensor.
    func testXTransRawsGoToTheFujiModel() throws {
        XCTAssertEqual(try sid.run(["convert", WeightsFixtures.path("fuji_w1_zip.pth"), "--output", "fuji.safetensors"]).status, 0)
        XCTAssertEqual(try sid.run(["convert", Self.fixtures.appendingPathComponent("parity_w8.pth").path, "--output", "sony.safetensors"]).status, 0)
        XCTAssertEqual(try sid.run(["sample", "xt.dng", "--xtrans", "--width", "150", "--height", "120"]).status, 0)
        let info = try sid.run(["info", "xt.dng"])
        XCTAssertTrue(info.stdout.contains("\"X-Trans\""), info.stdout)
        let outcome = try sid.run(["enhance", "xt.dng", "--ratio", "50", "--weights", "sony.safetensors",
                                   "--weights", "fuji.safetensors", "--output", "xt.png"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let image = try png("xt.png")
        // 150x120 crops to 150x120 (multiples of 6), packs to 50x40, the 3x shuffle gives 150x120.
        XCTAssertEqual([image.width, image.height], [150, 120])
        XCTAssertEqual(image.textValue(forKey: "sid:model"), "sid-fuji")
        let sonyOnly = try sid.run(["enhance", "xt.dng", "--ratio", "50", "--weights", "sony.safetensors", "--output", "no.png"])
        XCTAssertNotEqual(sonyOnly.status, 0)
        XCTAssertTrue(sonyOnly.stderr.contains("sid-fuji"), sonyOnly.stderr)
    }

    func testMistakesGiveAReadableErrorAndAFailingStatus() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "64", "--height", "64"]).status, 0)
        for (arguments, needle) in [
            (["enhance", "dark.dng", "--ratio", "0"], "ratio"),
            (["enhance", "dark.dng", "--ratio", "nan"], "ratio"),
            (["enhance", "dark.dng", "--ratio", "10", "--bits", "12"], "bits"),
            (["enhance", "missing.dng", "--ratio", "10"], "missing.dng"),
            (["enhance", "dark.dng", "--ratio", "10", "--weights", "dark.dng"], "weights"),
            (["convert", "dark.dng", "--output", "x.safetensors"], "dark.dng"),
        ] {
            try sid.assertRefuses(arguments, mentioning: needle)
        }
        try Data("not a raw".utf8).write(to: directory.appendingPathComponent("note.txt"))
        let outcome = try sid.run(["enhance", "note.txt", "--ratio", "10"])
        XCTAssertNotEqual(outcome.status, 0)
        XCTAssertTrue(outcome.stderr.contains("note.txt"), outcome.stderr)
    }

    func testBenchReportsTheStagesAsJSON() throws {
        let outcome = try sid.run(["bench", "--raw-width", "256", "--raw-height", "192", "--runs", "1", "--threads", "1", "--json"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["packedWidth"] as? Int, 128)
        XCTAssertEqual(json["packedHeight"] as? Int, 96)
        XCTAssertGreaterThan(json["forwardMedianSeconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(json["peakRSSMegabytes"] as? Double ?? 0, 0)
        let layers = try XCTUnwrap(json["layerOrder"] as? [String])
        XCTAssertEqual(layers.first, "conv1_1")
        XCTAssertTrue(layers.contains("upv6"))
    }
}
