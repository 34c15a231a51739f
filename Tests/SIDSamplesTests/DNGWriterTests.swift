import Foundation
@testable import SIDRaw
import SIDTestSupport
@testable import SIDSamples
import XCTest

final class DNGWriterTests: XCTestCase {
    func testRoundTripThroughLibRawForEveryOrderSizeAndBitDepth() throws {
        let levels: [(black: [Float], white: Float)] = [
            ([256, 257, 258, 259], 4095),     // 12-bit, a different black at each cell position
            ([512, 510, 514, 508], 16383),    // 14-bit
        ]
        for cfa in CFAPattern.allCases {
            // Odd sizes at or above the model's 32x32 minimum, which the decoder enforces.
            for (width, height) in [(37, 33), (64, 48), (40, 35)] {
                for level in levels {
                    let context = "\(cfa.rawValue) \(width)x\(height) white \(level.white)"
                    let pixels = Fixtures.pixels(width: width, height: height, white: Int(level.white))
                    let dng = try DNGWriter.write(
                        width: width, height: height, cfa: cfa, blackLevels: level.black, whiteLevel: level.white,
                        pixels: pixels, make: "Acme", model: "Round Trip 1", exposureTime: 1.0 / 160, iso: 6400)
                    let raw = try RawDecoder().decode(dng)

                    XCTAssertEqual(raw.width, width, context)
                    XCTAssertEqual(raw.height, height, context)
                    XCTAssertEqual(raw.pixels, pixels, context)
                    XCTAssertEqual(raw.cfa, cfa, context)
                    XCTAssertEqual(raw.blackLevels, level.black, context)
                    XCTAssertEqual(raw.whiteLevel, level.white, context)
                    XCTAssertEqual(raw.metadata.make, "Acme", context)
                    XCTAssertEqual(raw.metadata.model, "Round Trip 1", context)
                    XCTAssertEqual(raw.metadata.exposureTime, 1.0 / 160, accuracy: 1e-9, context)
                    XCTAssertEqual(raw.metadata.iso, 6400, context)
                    XCTAssertEqual(raw.metadata.cfa, cfa.rawValue, context)
                    XCTAssertEqual(raw.metadata.rawWidth, width, context)
                    XCTAssertEqual(raw.metadata.rawHeight, height, context)
                    XCTAssertEqual(raw.metadata.flip, 0, context)
                    XCTAssertEqual(raw.metadata.packedWidth, (width - cfa.redOrigin.col) / 2, context)
                    XCTAssertEqual(raw.metadata.packedHeight, (height - cfa.redOrigin.row) / 2, context)
                }
            }
        }
    }

    func testExposureTimesAreWrittenAsTheRationalsCamerasUse() throws {
        XCTAssertTrue(DNGWriter.exposureRational(0.1) == (1, 10))
        XCTAssertTrue(DNGWriter.exposureRational(1.0 / 8000) == (1, 8000))
        XCTAssertTrue(DNGWriter.exposureRational(30) == (30_000_000, 1_000_000))
        XCTAssertTrue(DNGWriter.exposureRational(0.0333) == (33300, 1_000_000))
        XCTAssertTrue(DNGWriter.exposureRational(10_000) == (10_000, 1))
        for seconds in [30.0, 0.0333, 1.0 / 3] {
            let metadata = try RawDecoder().metadata(try Fixtures.dng(exposureTime: seconds))
            XCTAssertEqual(metadata.exposureTime, seconds, accuracy: seconds * 1e-6)
        }
    }

    func testTheFileIsLittleEndianTIFFWithTheStripLast() throws {
        let dng = try Fixtures.dng(width: 40, height: 32)
        XCTAssertEqual(Array(dng.prefix(4)), [0x49, 0x49, 0x2A, 0x00])
        let pixels = Fixtures.pixels(width: 40, height: 32, white: 16383)
        let strip = dng.suffix(40 * 32 * 2)
        let firstValue = UInt16(strip[strip.startIndex]) | UInt16(strip[strip.startIndex + 1]) << 8
        XCTAssertEqual(firstValue, pixels[0])
    }

    func testInvalidInputsAreRefusedWithReasons() {
        func attempt(width: Int = 40, height: Int = 40, black: [Float] = [0, 0, 0, 0], white: Float = 4095,
                     count: Int? = nil, exposure: Double = 0.1, iso: Double = 100) throws {
            _ = try DNGWriter.write(
                width: width, height: height, cfa: .rggb, blackLevels: black, whiteLevel: white,
                pixels: [UInt16](repeating: 0, count: count ?? max(width * height, 0)), make: "A", model: "B",
                exposureTime: exposure, iso: iso)
        }
        XCTAssertThrowsError(try attempt(width: 0)) {
            XCTAssertEqual($0 as? DNGWritingError, .invalidDimensions(width: 0, height: 40))
        }
        XCTAssertThrowsError(try attempt(count: 5)) {
            XCTAssertEqual($0 as? DNGWritingError, .pixelCountMismatch(expected: 1600, actual: 5))
        }
        XCTAssertThrowsError(try attempt(black: [0, 0, 0])) {
            XCTAssertEqual($0 as? DNGWritingError, .invalidBlackLevels([0, 0, 0]))
        }
        XCTAssertThrowsError(try attempt(black: [5000, 0, 0, 0])) {
            XCTAssertEqual($0 as? DNGWritingError, .invalidWhiteLevel(4095))
        }
        XCTAssertThrowsError(try attempt(white: 4095.5)) {
            XCTAssertEqual($0 as? DNGWritingError, .invalidWhiteLevel(4095.5))
        }
        XCTAssertThrowsError(try attempt(exposure: .nan)) { error in
            XCTAssertTrue("\(error)".contains("exposure time"), "\(error)")
        }
    }

    func testXTransRoundTripThroughLibRawAtEveryPhase() throws {
        for rowShift in 0 ..< 6 {
            for colShift in 0 ..< 6 {
                let pattern = XTransPattern.sidFuji.shifted(rows: rowShift, columns: colShift)
                let width = 55 + colShift, height = 53 + rowShift
                let context = "shift (\(rowShift), \(colShift)) \(width)x\(height)"
                let seed = UInt64(rowShift * 6 + colShift)
                let pixels = Fixtures.pixels(width: width, height: height, white: 16383, seed: seed)
                let dng = try DNGWriter.write(
                    width: width, height: height, xTrans: pattern, blackLevel: 1023, whiteLevel: 16383, pixels: pixels,
                    make: "Acme", model: "Round Trip X", exposureTime: 1.0 / 250, iso: 12800)
                let raw = try RawDecoder().decode(dng)
                XCTAssertEqual(raw.mosaic, .xTrans(pattern), context)
                XCTAssertEqual(raw.pixels, pixels, context)
                XCTAssertEqual([raw.width, raw.height], [width, height], context)
                XCTAssertEqual(raw.blackLevels, [1023, 1023, 1023, 1023], context)
                XCTAssertEqual(raw.whiteLevel, 16383, context)
                XCTAssertEqual(raw.metadata.cfa, "X-Trans", context)
                XCTAssertEqual(raw.metadata.exposureTime, 1.0 / 250, accuracy: 1e-9, context)
                XCTAssertEqual(raw.metadata.iso, 12800, context)
                let origin = pattern.modelOrigin
                XCTAssertEqual(raw.metadata.packedWidth, (width - origin.col) / 6 * 2, context)
                XCTAssertEqual(raw.metadata.packedHeight, (height - origin.row) / 6 * 2, context)
            }
        }
    }

    func testXTransFilesCarryTheX2ColourAndOneBlackLevel() throws {
        XCTAssertThrowsError(try Fixtures.xTransDNG(blackLevel: -1)) {
            XCTAssertEqual($0 as? DNGWritingError, .invalidBlackLevels([-1]))
        }
        XCTAssertThrowsError(try Fixtures.xTransDNG(blackLevel: 20000)) {
            XCTAssertEqual($0 as? DNGWritingError, .invalidWhiteLevel(16383))
        }
        XCTAssertThrowsError(try Fixtures.xTransDNG(width: 60, height: 54, pixels: [1, 2, 3])) {
            XCTAssertEqual($0 as? DNGWritingError, .pixelCountMismatch(expected: 3240, actual: 3))
        }
        // The neutral is what the X-T2 matrix predicts for D65 white: about (0.436, 1, 0.620).
        let neutral = CameraColour.fujiXT2.asShotNeutral
        XCTAssertEqual(neutral[0], 0.436, accuracy: 0.001)
        XCTAssertEqual(neutral[1], 1)
        XCTAssertEqual(neutral[2], 0.620, accuracy: 0.001)
    }
}
