import Foundation
@testable import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

final class XTransPackerTests: XCTestCase {
    /// The SID authors' Fuji `pack_raw`, transcribed from its slices: `out[a::2, b::2, k] = im[r0:H:6, c0:W:6]` for
    /// each (k, a, b, r0, c0), then `out[:, :, 5...8]` from `im[1:H:3, 0:W:3]`, `im[1:H:3, 1:W:3]`, `im[2:H:3, 0:W:3]`,
    /// `im[2:H:3, 1:W:3]`.
    private let sixStepSlices: [(k: Int, a: Int, b: Int, r0: Int, c0: Int)] = [
        (0, 0, 0, 0, 0), (0, 0, 1, 0, 4), (0, 1, 0, 3, 1), (0, 1, 1, 3, 3),
        (1, 0, 0, 0, 2), (1, 0, 1, 0, 5), (1, 1, 0, 3, 2), (1, 1, 1, 3, 5),
        (2, 0, 0, 0, 1), (2, 0, 1, 0, 3), (2, 1, 0, 3, 0), (2, 1, 1, 3, 4),
        (3, 0, 0, 1, 2), (3, 0, 1, 2, 5), (3, 1, 0, 5, 2), (3, 1, 1, 4, 5),
        (4, 0, 0, 2, 2), (4, 0, 1, 1, 5), (4, 1, 0, 4, 2), (4, 1, 1, 5, 5),
    ]
    private let threeStepSlices: [(k: Int, r0: Int, c0: Int)] = [(5, 1, 0), (6, 1, 1), (7, 2, 0), (8, 2, 1)]

    /// `out[row][col][k]` for `im` (already normalised), cropped to multiples of 6 from (0, 0) as `pack_raw` does.
    private func referencePack(_ im: [[Float]]) -> [[[Float]]] {
        let height = im.count / 6 * 6, width = (im.first?.count ?? 0) / 6 * 6
        var out = Array(repeating: Array(repeating: Array(repeating: Float.nan, count: 9), count: width / 3),
                        count: height / 3)
        for slice in sixStepSlices {
            for (i, row) in stride(from: slice.r0, to: height, by: 6).enumerated() {
                for (j, col) in stride(from: slice.c0, to: width, by: 6).enumerated() {
                    out[slice.a + 2 * i][slice.b + 2 * j][slice.k] = im[row][col]
                }
            }
        }
        for slice in threeStepSlices {
            for (i, row) in stride(from: slice.r0, to: height, by: 3).enumerated() {
                for (j, col) in stride(from: slice.c0, to: width, by: 3).enumerated() {
                    out[i][j][slice.k] = im[row][col]
                }
            }
        }
        return out
    }

    private func value(_ packed: PackedImage, channel: Int, row: Int, col: Int) -> Float {
        packed.values[(channel * packed.height + row) * packed.width + col]
    }

    /// Values that encode their position: 1100 + 64 x row + col (rows < 200, columns < 64).
    private func positionCoded(width: Int, height: Int, pattern: XTransPattern = .sidFuji) -> RawImage {
        let pixels = (0 ..< width * height).map { UInt16(1100 + 64 * ($0 / width) + $0 % width) }
        return RawImage(width: width, height: height, xTrans: pattern, blackLevel: 1024, whiteLevel: 16383,
                        pixels: pixels)
    }

    private func normalised(_ raw: RawImage, origin: (row: Int, col: Int) = (0, 0)) -> [[Float]] {
        (origin.row ..< raw.height).map { row in
            (origin.col ..< raw.width).map { col in
                max(Float(raw.pixels[row * raw.width + col]) - raw.blackLevels[0], 0)
                    / (raw.whiteLevel - raw.blackLevels[0])
            }
        }
    }

    private func assertMatchesReference(_ packed: PackedImage, _ reference: [[[Float]]], ratio: Float = 1,
                                        _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(packed.channels, 9, context, file: file, line: line)
        XCTAssertEqual(packed.height, reference.count, context, file: file, line: line)
        XCTAssertEqual(packed.width, reference.first?.count ?? 0, context, file: file, line: line)
        guard packed.height == reference.count, packed.width == reference.first?.count ?? 0 else { return }
        for row in 0 ..< packed.height {
            for col in 0 ..< packed.width {
                for channel in 0 ..< 9 {
                    let expected = min(reference[row][col][channel] * ratio, 1)
                    let actual = value(packed, channel: channel, row: row, col: col)
                    guard actual == expected else {
                        return XCTFail("\(context): channel \(channel) at (\(row), \(col)) is \(actual), "
                                       + "expected \(expected)", file: file, line: line)
                    }
                }
            }
        }
    }

    func testEveryChannelMatchesTheAuthorsSlices() {
        let raw = positionCoded(width: 36, height: 24)
        let packed = XTransPacker.pack(raw, ratio: 1)
        XCTAssertEqual([packed.height, packed.width], [8, 12])
        assertMatchesReference(packed, referencePack(normalised(raw)), "36x24")
    }

    func testHandPickedPositions() {
        // (channel, packed row, packed col) -> source (row, col), worked out by hand from the table.
        let cases: [(channel: Int, row: Int, col: Int, source: (Int, Int))] = [
            (0, 0, 0, (0, 0)), (0, 0, 1, (0, 4)), (0, 3, 2, (9, 7)), (0, 1, 3, (3, 9)),
            (1, 2, 1, (6, 5)), (1, 1, 0, (3, 2)),
            (2, 0, 3, (0, 9)), (2, 3, 0, (9, 0)),
            (3, 0, 0, (1, 2)), (3, 1, 1, (4, 5)), (3, 2, 3, (8, 11)),
            (4, 0, 1, (1, 5)), (4, 3, 2, (10, 8)),
            (5, 0, 0, (1, 0)), (5, 3, 2, (10, 6)), (6, 1, 1, (4, 4)), (7, 2, 3, (8, 9)), (8, 3, 3, (11, 10)),
        ]
        let raw = positionCoded(width: 12, height: 12)
        let packed = XTransPacker.pack(raw, ratio: 1)
        for (channel, row, col, source) in cases {
            let coded = Float(1100 + 64 * source.0 + source.1)
            XCTAssertEqual(value(packed, channel: channel, row: row, col: col), (coded - 1024) / 15359,
                           "channel \(channel) at (\(row), \(col))")
        }
    }

    func testSizesThatAreNotMultiplesOfSixAreCropped() {
        for (width, height) in [(37, 31), (41, 29), (47, 53), (6, 6), (5, 12)] {
            let raw = positionCoded(width: width, height: height)
            let packed = XTransPacker.pack(raw, ratio: 1)
            XCTAssertEqual(packed.height, height / 6 * 2, "\(width)x\(height)")
            XCTAssertEqual(packed.width, width / 6 * 2, "\(width)x\(height)")
            XCTAssertEqual(raw.metadata.packedHeight, packed.height)
            XCTAssertEqual(raw.metadata.packedWidth, packed.width)
            assertMatchesReference(packed, referencePack(normalised(raw)), "\(width)x\(height)")
            // Nothing from the cropped rows and columns gets in.
            for coded in packed.values.map({ Int(($0 * 15359).rounded()) + 1024 - 1100 }) {
                XCTAssertLessThan(coded / 64, height / 6 * 6)
                XCTAssertLessThan(coded % 64, width / 6 * 6)
            }
        }
    }

    func testEveryPhaseIsPackedFromWhereTheX2PhaseStarts() {
        for rowShift in 0 ..< 6 {
            for colShift in 0 ..< 6 {
                let pattern = XTransPattern.sidFuji.shifted(rows: rowShift, columns: colShift)
                let raw = positionCoded(width: 40, height: 33, pattern: pattern)
                let origin = pattern.modelOrigin
                let packed = XTransPacker.pack(raw, ratio: 1)
                assertMatchesReference(packed, referencePack(normalised(raw, origin: origin)),
                                       "shift (\(rowShift), \(colShift))")
            }
        }
    }

    func testRedAndBluePlanesHoldRedAndBluePhotositesAtEveryPhase() {
        // R 1000, G 2000, B 3000 above black, so each packed value names its photosite's colour.
        let planeColours: [CFAPattern.Colour] = [.red, .green, .blue, .red, .blue, .green, .green, .green, .green]
        for rowShift in 0 ..< 6 {
            for colShift in 0 ..< 6 {
                let pattern = XTransPattern.sidFuji.shifted(rows: rowShift, columns: colShift)
                let width = 29, height = 31
                let pixels = (0 ..< width * height).map { index -> UInt16 in
                    switch pattern.colour(row: index / width, col: index % width) {
                    case .red: return 2000
                    case .green: return 3000
                    case .blue: return 4000
                    }
                }
                let raw = RawImage(width: width, height: height, xTrans: pattern, blackLevel: 1000, whiteLevel: 5000,
                                   pixels: pixels)
                let packed = XTransPacker.pack(raw, ratio: 1)
                let origin = pattern.modelOrigin
                let expectedSize = [(height - origin.row) / 6 * 2, (width - origin.col) / 6 * 2]
                XCTAssertEqual([packed.height, packed.width], expectedSize, "shift (\(rowShift), \(colShift))")
                let planeSize = packed.height * packed.width
                for channel in 0 ..< 9 {
                    let levels: [CFAPattern.Colour: Float] = [.red: 0.25, .green: 0.5, .blue: 0.75]
                    let expected = levels[planeColours[channel]]
                    let plane = packed.values[channel * planeSize ..< (channel + 1) * planeSize]
                    XCTAssertTrue(plane.allSatisfy { $0 == expected },
                                  "shift (\(rowShift), \(colShift)) channel \(channel): \(Set(plane))")
                }
            }
        }
    }

    func testNormalisationRatioAndClipping() {
        let pixels: [UInt16] = (0 ..< 36 * 36).map { [0, 1000, 1024, 1025, 2048, 8000, 16383][$0 % 7] }
        let raw = RawImage(width: 36, height: 36, xTrans: .sidFuji, blackLevel: 1024, whiteLevel: 16383,
                           pixels: pixels)
        for ratio: Float in [1, 3, 100, 300] {
            let packed = XTransPacker.pack(raw, ratio: ratio)
            let reference = referencePack(normalised(raw))
            assertMatchesReference(packed, reference, ratio: ratio, "ratio \(ratio)")
            XCTAssertEqual(packed.values.min(), 0)
            XCTAssertLessThanOrEqual(packed.values.max() ?? 2, 1)
        }
        // The SID Fuji normalisation, written out: max(raw - 1024, 0) / (16383 - 1024), times the ratio, at most 1.
        let packed = XTransPacker.pack(raw, ratio: 3)
        let expected = min(max(Float(2048) - 1024, 0) / (16383 - 1024) * 3, 1)
        XCTAssertTrue(packed.values.contains(expected))
    }

    func testNormalisedMeanIsTheMeanOfThePackedValuesBeforeTheRatio() {
        var generator = SeededGenerator(seed: 11)
        let width = 50, height = 45
        let pixels = (0 ..< width * height).map { _ in UInt16(generator.next() % 16384) }
        let raw = RawImage(width: width, height: height, xTrans: XTransPattern.sidFuji.shifted(rows: 1, columns: 4),
                           blackLevel: 1024, whiteLevel: 16383, pixels: pixels)
        let packed = XTransPacker.pack(raw, ratio: 1)
        let mean = packed.values.reduce(0.0) { $0 + Double($1) } / Double(packed.values.count)
        XCTAssertEqual(XTransPacker.normalisedMean(raw), mean, accuracy: 1e-6)
        XCTAssertEqual(XTransPacker.normalisedMean(positionCoded(width: 5, height: 40)), 0)
    }

    func testDecodedFujiX2UsesTheLevelsSIDWasTrainedWith() throws {
        let width = 54, height = 48
        let pixels = Fixtures.pixels(width: width, height: height, white: 15000)
        let dng = try Fixtures.xTransDNG(width: width, height: height, blackLevel: 800, whiteLevel: 15000,
                                         pixels: pixels, make: "FUJIFILM", model: "X-T2")
        let raw = try RawDecoder().decode(dng)
        XCTAssertEqual(raw.blackLevels, [1024, 1024, 1024, 1024])
        XCTAssertEqual(raw.whiteLevel, 16383)
        let packed = XTransPacker.pack(raw, ratio: 1)
        XCTAssertEqual(value(packed, channel: 0, row: 0, col: 0), max(Float(pixels[0]) - 1024, 0) / 15359)
        XCTAssertEqual(value(packed, channel: 8, row: 0, col: 0), max(Float(pixels[2 * width + 1]) - 1024, 0) / 15359)
        // Another X-Trans body keeps what its file says, as LibRaw reads it.
        let other = try RawDecoder().decode(try Fixtures.xTransDNG(
            width: width, height: height, blackLevel: 800, whiteLevel: 15000, pixels: pixels, make: "FUJIFILM",
            model: "X-T3"))
        XCTAssertEqual(other.blackLevels, [800, 800, 800, 800])
        XCTAssertEqual(other.whiteLevel, 15000)
        XCTAssertEqual(XTransPacker.pack(other, ratio: 1).values[0], max(Float(pixels[0]) - 800, 0) / 14200)
    }
}
