import SIDImage
import SIDTestSupport
import XCTest

final class TIFFEncoderTests: XCTestCase {
    func testSixteenBitSamplesAreStoredExactly() throws {
        let (width, height) = (19, 7)
        let samples = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let tiff = try samples.withUnsafeBufferPointer {
            try TIFFEncoder(compression: .none).encode(rgb16: $0, width: width, height: height,
                                                       text: [(.make, "SONY"), (.model, "ILCE-7S"), (.software, "sid")])
        }
        XCTAssertEqual(Array(tiff.prefix(4)), [0x49, 0x49, 42, 0])
        let report = try PillowProbe.probe(tiff)
        XCTAssertEqual(report.format, "TIFF")
        XCTAssertEqual(report.width, width)
        XCTAssertEqual(report.height, height)
        XCTAssertEqual(report.bits, [16, 16, 16])
        XCTAssertEqual(report.first, samples.prefix(3).map(Int.init))
        XCTAssertEqual(report.last, samples.suffix(3).map(Int.init))
        XCTAssertEqual(report.tags["271"], "SONY")
        XCTAssertEqual(report.tags["272"], "ILCE-7S")
        XCTAssertEqual(report.tags["305"], "sid")
        XCTAssertEqual(report.tags["274"], "1", "upright")
    }

    func testCompressedFilesDecodeToTheSameImage() throws {
        let (width, height) = (300, 200)
        var samples = [UInt8](repeating: 0, count: width * height * 3)
        for index in samples.indices { samples[index] = UInt8(truncatingIfNeeded: (index / 3) % width + index % 3 * 40) }
        var sizes: [Int] = []
        for compression in [TIFFEncoder.Compression.none, .lzw, .deflate(level: 1), .deflate(level: 9)] {
            let tiff = try samples.withUnsafeBufferPointer {
                try TIFFEncoder(compression: compression).encode(rgb8: $0, width: width, height: height)
            }
            let report = try PillowProbe.probe(tiff)
            XCTAssertEqual(report.bits, [8, 8, 8], "\(compression)")
            XCTAssertEqual(report.width, width)
            XCTAssertEqual(report.first, samples.prefix(3).map(Int.init), "\(compression)")
            XCTAssertEqual(report.last, samples.suffix(3).map(Int.init), "\(compression)")
            sizes.append(tiff.count)
        }
        XCTAssertLessThan(sizes[2], sizes[0] / 4, "a smooth image deflates: \(sizes)")
    }

    func testSixteenBitDeflatedDecodesInPillow() throws {
        let (width, height) = (64, 300)
        let samples = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 * 7) }
        let tiff = try samples.withUnsafeBufferPointer { try TIFFEncoder().encode(rgb16: $0, width: width, height: height) }
        let report = try PillowProbe.probe(tiff)
        XCTAssertEqual(report.bits, [16, 16, 16])
        XCTAssertEqual(report.height, height)
        XCTAssertLessThan(tiff.count, samples.count * 2)
    }

    func testRefusesBadArgumentsWithASentence() throws {
        let samples = [UInt16](repeating: 0, count: 12)
        try samples.withUnsafeBufferPointer { buffer in
            XCTAssertThrowsError(try TIFFEncoder(compression: .deflate(level: 0)).encode(rgb16: buffer, width: 2, height: 2)) {
                XCTAssertEqual($0 as? ImageEncodingError, .invalidCompressionLevel(0))
            }
            XCTAssertThrowsError(try TIFFEncoder().encode(rgb16: buffer, width: 2, height: 3)) {
                XCTAssertEqual($0 as? ImageEncodingError, .sampleCountMismatch(expected: 18, actual: 12))
            }
            XCTAssertThrowsError(try TIFFEncoder().encode(rgb16: buffer, width: 2, height: 2, text: [(.make, "Sony\u{7}")])) {
                XCTAssertEqual($0 as? ImageEncodingError, .textNotASCII(tag: 271))
            }
        }
    }
}
