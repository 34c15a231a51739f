import Foundation
@testable import SIDRaw
import SIDTestSupport
import XCTest

final class BayerPackerTests: XCTestCase {
    /// A 5-row, 7-column mosaic whose value encodes its position: 1000 + 10 x row + col.
    private func positionCoded(_ cfa: CFAPattern, height: Int = 5, width: Int = 7) -> RawImage {
        let pixels = (0 ..< height * width).map { UInt16(1000 + 10 * ($0 / width) + $0 % width) }
        return RawImage(width: width, height: height, cfa: cfa, blackLevels: [100, 200, 300, 400], whiteLevel: 4100,
                        pixels: pixels)
    }

    private func value(_ packed: PackedImage, channel: Int, row: Int, col: Int) -> Float {
        packed.values[(channel * packed.height + row) * packed.width + col]
    }

    /// Hand-worked: (channel, packed row, packed col) -> (raw value at the source photosite, its black level).
    private let expectations: [CFAPattern: [(channel: Int, row: Int, col: Int, raw: Float, black: Float)]] = [
        // Red origin (0,0). R(1,2) <- (2,4); G(0,1) <- (0,3); B(1,0) <- (3,1); G(1,1) <- (3,2).
        .rggb: [(0, 1, 2, 1024, 100), (1, 0, 1, 1003, 200), (2, 1, 0, 1031, 400), (3, 1, 1, 1032, 300)],
        // Red origin (1,1). R(1,2) <- (3,5); G(0,0) <- (1,2); B(1,1) <- (4,4); G(0,2) <- (2,5).
        .bggr: [(0, 1, 2, 1035, 400), (1, 0, 0, 1012, 300), (2, 1, 1, 1044, 100), (3, 0, 2, 1025, 200)],
        // Red origin (0,1). R(0,0) <- (0,1); G(1,2) <- (2,6); B(1,1) <- (3,4); G(0,1) <- (1,3).
        .grbg: [(0, 0, 0, 1001, 200), (1, 1, 2, 1026, 100), (2, 1, 1, 1034, 300), (3, 0, 1, 1013, 400)],
        // Red origin (1,0). R(1,1) <- (3,2); G(0,2) <- (1,5); B(0,0) <- (2,1); G(1,0) <- (4,0).
        .gbrg: [(0, 1, 1, 1032, 300), (1, 0, 2, 1015, 400), (2, 0, 0, 1021, 200), (3, 1, 0, 1040, 100)],
    ]

    func testHandComputedValuesForEveryOrder() {
        for cfa in CFAPattern.allCases {
            let packed = BayerPacker.pack(positionCoded(cfa), ratio: 1)
            XCTAssertEqual(packed.channels, 4)
            XCTAssertEqual(packed.height, 2, cfa.rawValue)
            XCTAssertEqual(packed.width, 3, cfa.rawValue)
            XCTAssertEqual(packed.values.count, 4 * 2 * 3)
            for expected in expectations[cfa] ?? [] {
                XCTAssertEqual(value(packed, channel: expected.channel, row: expected.row, col: expected.col),
                               (expected.raw - expected.black) / (4100 - expected.black),
                               "\(cfa.rawValue) channel \(expected.channel) at (\(expected.row), \(expected.col))")
            }
        }
    }

    func testPlanesHoldRedGreenBlueGreenPhotosites() {
        // Code each photosite by its colour (R 1000, G 2000, B 3000) so every packed value names its source colour.
        for cfa in CFAPattern.allCases {
            let height = 9, width = 11
            let pixels = (0 ..< height * width).map { index -> UInt16 in
                switch cfa.colour(row: index / width, col: index % width) {
                case .red: return 1000
                case .green: return 2000
                case .blue: return 3000
                }
            }
            let raw = RawImage(width: width, height: height, cfa: cfa, blackLevels: [0, 0, 0, 0], whiteLevel: 4000,
                               pixels: pixels)
            let packed = BayerPacker.pack(raw, ratio: 1)
            let planeSize = packed.height * packed.width
            for (channel, level) in [Float(0.25), 0.5, 0.75, 0.5].enumerated() {
                let plane = packed.values[channel * planeSize ..< (channel + 1) * planeSize]
                XCTAssertTrue(plane.allSatisfy { $0 == level }, "\(cfa.rawValue) channel \(channel)")
            }
        }
    }

    func testOddSizesDropTheLastRowAndColumn() {
        func size(_ cfa: CFAPattern, height: Int, width: Int) -> [Int] {
            let packed = BayerPacker.pack(positionCoded(cfa, height: height, width: width), ratio: 1)
            return [packed.height, packed.width]
        }
        XCTAssertEqual(size(.rggb, height: 6, width: 8), [3, 4])
        XCTAssertEqual(size(.bggr, height: 6, width: 8), [2, 3])
        XCTAssertEqual(size(.grbg, height: 6, width: 8), [3, 3])
        XCTAssertEqual(size(.gbrg, height: 6, width: 8), [2, 4])
        XCTAssertEqual(size(.rggb, height: 7, width: 9), [3, 4])
        XCTAssertEqual(size(.bggr, height: 7, width: 9), [3, 4])
    }

    func testRatioMultipliesThenClipsAtOne() {
        let raw = RawImage(width: 2, height: 2, cfa: .rggb, blackLevels: [0, 0, 0, 0], whiteLevel: 1000,
                           pixels: [10, 50, 200, 500])
        let packed = BayerPacker.pack(raw, ratio: 3)
        // Planes R, G(0,1), B(1,1), G(1,0).
        XCTAssertEqual(packed.values, [Float(10) / 1000 * 3, Float(50) / 1000 * 3, 1, Float(200) / 1000 * 3])
    }

    func testValuesBelowBlackBecomeZero() {
        let raw = RawImage(width: 2, height: 2, cfa: .rggb, blackLevels: [512, 512, 512, 512], whiteLevel: 16383,
                           pixels: [0, 511, 512, 513])
        let packed = BayerPacker.pack(raw, ratio: 100)
        XCTAssertEqual(packed.values, [0, 0, Float(1) / 15871 * 100, 0])
    }

    func testSIDCameraPacksWithBlack512AndWhite16383() throws {
        let width = 64, height = 48
        let pixels = Fixtures.pixels(width: width, height: height, white: 16383)
        let dng = try Fixtures.dng(width: width, height: height, blackLevels: [1000, 1000, 1000, 1000],
                                   whiteLevel: 15000, pixels: pixels, make: "Sony", model: "ILCE-7SM2")
        let packed = BayerPacker.pack(try RawDecoder().decode(dng), ratio: 2)
        // Red plane (0,0) of packed cell (3,5) is raw (6,10).
        let source = Float(pixels[6 * width + 10])
        XCTAssertEqual(packed.values[3 * packed.width + 5], min(max(source - 512, 0) / 15871 * 2, 1))
    }

    func testNormalisedMeanIgnoresTheRatioAndTheDroppedEdge() {
        // Level 0.25 everywhere except the last column, which packing drops on a 3-wide image.
        let raw = RawImage(width: 3, height: 2, cfa: .rggb, blackLevels: [0, 0, 0, 0], whiteLevel: 4000,
                           pixels: [1000, 1000, 4000, 1000, 1000, 4000])
        XCTAssertEqual(BayerPacker.normalisedMean(raw), 0.25, accuracy: 1e-12)
    }

    func testPackingAFullSizeFrame() {
        let width = 4256, height = 2848
        let pixels = [UInt16](unsafeUninitializedCapacity: width * height) { buffer, count in
            for index in 0 ..< width * height { buffer[index] = UInt16(512 + index % 4096) }
            count = width * height
        }
        let raw = RawImage(width: width, height: height, cfa: .rggb, blackLevels: [512, 512, 512, 512],
                           whiteLevel: 16383, pixels: pixels)
        let start = Date()
        let packed = BayerPacker.pack(raw, ratio: 100)
        print("BayerPacker.pack \(width)x\(height): \(Int(Date().timeIntervalSince(start) * 1000)) ms")
        XCTAssertEqual([packed.height, packed.width], [1424, 2128])
        XCTAssertEqual(packed.values[0], min(Float(0) / 15871 * 100, 1))
        XCTAssertEqual(packed.values[1], min(Float(2) / 15871 * 100, 1))
    }
}
