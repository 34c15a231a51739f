@testable import SIDRaw
import SIDSamples
import XCTest

final class ExposureRatioTests: XCTestCase {
    func testParsesAutoAndNumbersInRange() throws {
        XCTAssertEqual(try ExposureRatio.parse("auto"), .auto)
        XCTAssertEqual(try ExposureRatio.parse(" AUTO\n"), .auto)
        XCTAssertEqual(try ExposureRatio.parse("100"), .fixed(100))
        XCTAssertEqual(try ExposureRatio.parse("0.5"), .fixed(0.5))
        XCTAssertEqual(try ExposureRatio.parse("1000"), .fixed(1000))
        XCTAssertEqual(try ExposureRatio.parse("1e2"), .fixed(100))
        XCTAssertEqual(try ExposureRatio.parse("0.001"), .fixed(0.001))
        // Greater than 0 as the API says, even below the smallest Float (which it then becomes, never 0).
        XCTAssertEqual(try ExposureRatio.parse("1e-50"), .fixed(.leastNonzeroMagnitude))
        XCTAssertEqual(try ExposureRatio.parse("1e-45"), .fixed(.leastNonzeroMagnitude))
    }

    func testRejectsEverythingElseNamingTheRange() {
        // 1000.00001 and 1000.0000000001 are 1000 once rounded to Float: the range is checked before that.
        for text in ["0", "-1", "-0", "1000.5", "1001", "1000.00001", "1000.0000000001", "nan", "NaN", "inf", "-inf",
                     "infinity", "1e400", "1e-400", "", " ", "abc", "100x", "auto2", "1,5"] {
            XCTAssertThrowsError(try ExposureRatio.parse(text), "\"\(text)\"") { error in
                XCTAssertEqual(error as? ExposureRatioError, .invalid(text))
                XCTAssertTrue("\(error)".contains("greater than 0 and at most 1000"), "\(error)")
            }
        }
        XCTAssertTrue("\(ExposureRatioError.invalid(String(repeating: "x", count: 500)))".count < 200)
    }

    func testAutoTargetsAMeanOfOneTenthWithinTheTrainedRange() {
        func frame(level: Float) -> RawImage {
            let value = UInt16((level * 1000).rounded())
            return RawImage(width: 32, height: 32, cfa: .rggb, blackLevels: [0, 0, 0, 0], whiteLevel: 1000,
                            pixels: Array(repeating: value, count: 32 * 32))
        }
        XCTAssertEqual(ExposureRatio.estimate(for: frame(level: 0.01)), 10, accuracy: 1e-4)
        XCTAssertEqual(ExposureRatio.estimate(for: frame(level: 0.002)), 50, accuracy: 1e-3)
        XCTAssertEqual(ExposureRatio.estimate(for: frame(level: 0)), 300)
        XCTAssertEqual(ExposureRatio.estimate(for: frame(level: 0.5)), 1)
        XCTAssertEqual(ExposureRatio.auto.value(for: frame(level: 0.01)), 10, accuracy: 1e-4)
        XCTAssertEqual(ExposureRatio.fixed(7).value(for: frame(level: 0.01)), 7)
    }

    func testEstimateOnTheSyntheticScene() throws {
        let raw = try RawDecoder().decode(try SyntheticScene(width: 256, height: 192, meanLevel: 0.004).makeDNG())
        // A noiseless mean of 0.004 asks for about 25; noise clipped at black nudges the mean up a little.
        XCTAssertEqual(ExposureRatio.estimate(for: raw), 25, accuracy: 2.5)
    }

    func testWarnsOnlyBeyondTheTrainedMaximum() {
        XCTAssertEqual(ExposureRatio.trainedMaximum, 300)
        XCTAssertNil(ExposureRatio.warning(for: 300))
        XCTAssertNil(ExposureRatio.warning(for: 1))
        let warning = ExposureRatio.warning(for: 301)
        XCTAssertNotNil(warning)
        XCTAssertTrue(warning?.contains("SID was trained with ratios up to 300; results above that are extrapolation")
            ?? false)
    }

    func testAutoOnXTransUsesTheXTransPacking() {
        // Level 0.01 inside whole 6x6 blocks; the row and column left over after cropping are bright and ignored.
        let width = 37, height = 37
        let pixels = (0 ..< width * height).map { index -> UInt16 in
            index / width == 36 || index % width == 36 ? 1000 : 10
        }
        let raw = RawImage(width: width, height: height, xTrans: .sidFuji, blackLevel: 0, whiteLevel: 1000,
                           pixels: pixels)
        XCTAssertEqual(ExposureRatio.estimate(for: raw), 10, accuracy: 1e-4)
    }
}
