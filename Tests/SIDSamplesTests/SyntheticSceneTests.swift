import Foundation
@testable import SIDRaw
@testable import SIDSamples
import XCTest

final class SyntheticSceneTests: XCTestCase {
    func testSameSeedGivesTheSameBytes() throws {
        let first = try SyntheticScene(seed: 42, width: 96, height: 64).makeDNG()
        let second = try SyntheticScene(seed: 42, width: 96, height: 64).makeDNG()
        let other = try SyntheticScene(seed: 43, width: 96, height: 64).makeDNG()
        XCTAssertEqual(first, second)
        XCTAssertNotEqual(first, other)
    }

    func testDefaultSceneDecodesAsADarkSIDCameraFrame() throws {
        let raw = try RawDecoder().decode(try SyntheticScene().makeDNG())
        XCTAssertEqual([raw.width, raw.height], [1424, 1064])
        XCTAssertEqual(raw.cfa, .rggb)
        XCTAssertEqual(raw.metadata.make, "Sony")
        XCTAssertEqual(raw.metadata.model, "ILCE-7SM2")
        XCTAssertEqual(raw.metadata.exposureTime, 0.1)
        XCTAssertEqual(raw.metadata.iso, 3200)
        XCTAssertEqual(raw.blackLevels, [512, 512, 512, 512])
        XCTAssertEqual(raw.whiteLevel, 16383)
        let mean = BayerPacker.normalisedMean(raw)
        XCTAssertGreaterThan(mean, 0.002)
        XCTAssertLessThan(mean, 0.01)
    }

    func testNoiseFollowsTheShotAndReadNoiseModel() throws {
        let scene = SyntheticScene(seed: 5, width: 600, height: 400, meanLevel: 0.01)
        let pixels = try scene.mosaic()
        // The brightest grey step (0.9) covers rows 20..59 and columns 460..539 (six steps over 60..540).
        var greens: [Double] = []
        for row in stride(from: 22, to: 58, by: 2) {
            for col in stride(from: 466, to: 534, by: 2) { greens.append(Double(pixels[row * 600 + col + 1])) }
        }
        let mean = greens.reduce(0, +) / Double(greens.count)
        let variance = greens.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(greens.count - 1)
        let signal = mean - 512
        XCTAssertGreaterThan(signal, 10, "the grey step should rise above black")
        // Shot noise K x signal plus read noise (2.9 DN) plus row noise (1.0 DN) at ISO 3200, where K is 3.0.
        let expected = 3.005 * signal + 2.93 * 2.93 + 1.0
        XCTAssertEqual(variance, expected, accuracy: expected * 0.25, "mean \(mean)")
    }

    func testInvalidSettingsAreRefused() {
        XCTAssertThrowsError(try SyntheticScene(width: 16, height: 64).makeDNG()) {
            XCTAssertEqual($0 as? SyntheticSceneError, .invalidSize(width: 16, height: 64))
        }
        XCTAssertThrowsError(try SyntheticScene(width: 64, height: 100_000).makeDNG()) {
            XCTAssertEqual($0 as? SyntheticSceneError, .invalidSize(width: 64, height: 100_000))
        }
        XCTAssertThrowsError(try SyntheticScene(width: 64, height: 64, meanLevel: 0).makeDNG()) {
            XCTAssertTrue("\($0)".contains("mean level"))
        }
    }

    func testFujiSceneDecodesAsADarkX2Frame() throws {
        let scene = SyntheticScene.fujiXTrans(seed: 4, width: 150, height: 120)
        XCTAssertEqual(scene.sensor, .xTrans(.sidFuji))
        let dng = try scene.makeDNG()
        XCTAssertEqual(dng, try SyntheticScene.fujiXTrans(seed: 4, width: 150, height: 120).makeDNG())
        let raw = try RawDecoder().decode(dng)
        XCTAssertEqual(raw.mosaic, .xTrans(.sidFuji))
        XCTAssertEqual(raw.metadata.make, "Fujifilm")
        XCTAssertEqual(raw.metadata.model, "X-T2")
        XCTAssertEqual(raw.metadata.cfa, "X-Trans")
        XCTAssertEqual(raw.blackLevels, [1024, 1024, 1024, 1024])
        XCTAssertEqual(raw.whiteLevel, 16383)
        XCTAssertEqual([raw.metadata.packedWidth, raw.metadata.packedHeight], [50, 40])
        let mean = XTransPacker.normalisedMean(raw)
        XCTAssertGreaterThan(mean, 0.002)
        XCTAssertLessThan(mean, 0.01)
        // Whole 6x6 blocks by default, so nothing is cropped.
        let defaults = SyntheticScene.fujiXTrans()
        XCTAssertEqual([defaults.width % 6, defaults.height % 6], [0, 0])
    }

    func testFujiSceneFollowsItsColourFilter() throws {
        // The grey ladder's brightest step is neutral, so in camera proportions green reads highest, then blue, then
        // red (the X-T2 neutral is about 0.44, 1, 0.62).
        let scene = SyntheticScene.fujiXTrans(seed: 5, width: 600, height: 402, meanLevel: 0.02)
        let pixels = try scene.mosaic()
        var sums: [CFAPattern.Colour: (total: Double, count: Double)] = [:]
        for row in 22 ..< 58 {
            for col in 466 ..< 534 {
                let colour = XTransPattern.sidFuji.colour(row: row, col: col)
                let previous = sums[colour] ?? (0, 0)
                sums[colour] = (previous.total + Double(pixels[row * 600 + col]) - 1024, previous.count + 1)
            }
        }
        let red = sums[.red].map { $0.total / $0.count } ?? 0
        let green = sums[.green].map { $0.total / $0.count } ?? 0
        let blue = sums[.blue].map { $0.total / $0.count } ?? 0
        XCTAssertEqual(red / green, CameraColour.fujiXT2.asShotNeutral[0], accuracy: 0.05)
        XCTAssertEqual(blue / green, CameraColour.fujiXT2.asShotNeutral[2], accuracy: 0.05)
    }
}
