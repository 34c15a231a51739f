import Foundation
@testable import sid
import SIDEngine
import SIDRaw
import SIDTestSupport
import XCTest

/// `sid pack` against the packers run in-process on the same raw.
final class PackCommandTests: XCTestCase {
    var sid: CommandRunner!
    var directory: URL { sid.workingDirectory }

    override func setUpWithError() throws {
        sid = try CommandRunner()
    }

    override func tearDown() {
        sid = nil
    }

    private func data(_ name: String) throws -> Data { try Data(contentsOf: directory.appendingPathComponent(name)) }

    func testBayerRawsPackToFourPlanesExactlyAsEnhanceDoes() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "130", "--height", "97"]).status, 0)
        let outcome = try sid.run(["pack", "dark.dng", "--ratio", "100", "--output", "packed.npy"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("[1, 4, 48, 65]"), outcome.stdout)

        let file = try data("packed.npy")
        // The header numpy itself writes: v1.0, '<f4', C order, padded so the data starts 64-byte aligned.
        XCTAssertEqual(Array(file.prefix(8)), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(file[8]) | Int(file[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        XCTAssertTrue(String(decoding: file[10 ..< 10 + headerLength], as: UTF8.self)
            .hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 48, 65), }"))

        let expected = BayerPacker.pack(try RawDecoder().decode(try data("dark.dng")), ratio: 100)
        let packed = try NPYArray(parsing: file)
        XCTAssertEqual(packed.shape, [1, 4, 48, 65])
        XCTAssertEqual(packed.values, expected.values)
        XCTAssertTrue(packed.values.contains { $0 > 0 && $0 < 1 }, "the sample should not be all black or all clipped")
    }

    func testAutoRatioIsTheEnhanceEstimate() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "96", "--height", "64"]).status, 0)
        let outcome = try sid.run(["pack", "dark.dng", "--ratio", "auto", "-o", "auto.npy"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        XCTAssertTrue(outcome.stdout.contains("(auto)"), outcome.stdout)
        let raw = try RawDecoder().decode(try data("dark.dng"))
        let estimate = ExposureRatio.estimate(for: raw)
        XCTAssertTrue(outcome.stdout.contains("ratio \(Enhancer.format(estimate))"), outcome.stdout)
        XCTAssertEqual(try NPYArray(parsing: try data("auto.npy")).values, BayerPacker.pack(raw, ratio: estimate).values)
    }

    func testXTransRawsPackToNinePlanes() throws {
        XCTAssertEqual(try sid.run(["sample", "xt.dng", "--xtrans", "--width", "150", "--height", "120"]).status, 0)
        let outcome = try sid.run(["pack", "xt.dng", "--ratio", "50", "-o", "xt.npy"])
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        let expected = XTransPacker.pack(try RawDecoder().decode(try data("xt.dng")), ratio: 50)
        let packed = try NPYArray(parsing: try data("xt.npy"))
        XCTAssertEqual(packed.shape, [1, 9, 40, 50])
        XCTAssertEqual(packed.values, expected.values)
    }

    func testMistakesGiveAReadableErrorAndAFailingStatus() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "64", "--height", "64"]).status, 0)
        try Data("not a raw".utf8).write(to: directory.appendingPathComponent("note.txt"))
        for (arguments, needle) in [
            (["pack", "dark.dng", "--ratio", "0", "-o", "x.npy"], "ratio"),
            (["pack", "dark.dng", "--ratio", "1001", "-o", "x.npy"], "ratio"),
            (["pack", "missing.dng", "--ratio", "10", "-o", "x.npy"], "missing.dng"),
            (["pack", "note.txt", "--ratio", "10", "-o", "x.npy"], "note.txt"),
            (["pack", "dark.dng", "--ratio", "10", "-o", "no-such-directory/x.npy"], "cannot write"),
            (["pack", "dark.dng", "--ratio", "10"], "--output"),
        ] {
            try sid.assertRefuses(arguments, mentioning: needle)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.appendingPathComponent("x.npy").path))
    }
}
