import SIDImage
import SIDTestSupport
import XCTest

final class JPEGEncoderTests: XCTestCase {
    /// A smooth gradient, which JPEG keeps within a few levels.
    private func gradient(width: Int, height: Int) -> [UInt8] {
        var samples = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let index = (y * width + x) * 3
                samples[index] = UInt8(x * 255 / max(width - 1, 1))
                samples[index + 1] = UInt8(y * 255 / max(height - 1, 1))
                samples[index + 2] = 96
            }
        }
        return samples
    }

    func testPillowDecodesTheSizeAndPixels() throws {
        let (width, height) = (67, 41)
        let samples = gradient(width: width, height: height)
        let jpeg = try samples.withUnsafeBufferPointer { try JPEGEncoder(quality: 95).encode(rgb8: $0, width: width, height: height) }
        XCTAssertEqual(Array(jpeg.prefix(3)), [0xFF, 0xD8, 0xFF])
        let report = try PillowProbe.probe(jpeg)
        XCTAssertEqual(report.format, "JPEG")
        XCTAssertEqual(report.width, width)
        XCTAssertEqual(report.height, height)
        XCTAssertEqual(report.mode, "RGB")
        XCTAssertEqual(report.subsampling, 0, "4:4:4 from quality 90 up")
        let expectedLast = Array(samples.suffix(3)).map(Int.init)
        for (decoded, expected) in zip(report.first + report.last, Array(samples.prefix(3)).map(Int.init) + expectedLast) {
            XCTAssertLessThanOrEqual(abs(decoded - expected), 6, "\(report.first) \(report.last)")
        }
    }

    func testLowerQualityIsSmallerAndSubsamplesChroma() throws {
        let (width, height) = (256, 128)
        var samples = gradient(width: width, height: height)
        for index in stride(from: 0, to: samples.count, by: 7) { samples[index] = UInt8(truncatingIfNeeded: index * 31) }
        let high = try samples.withUnsafeBufferPointer { try JPEGEncoder(quality: 95).encode(rgb8: $0, width: width, height: height) }
        let low = try samples.withUnsafeBufferPointer { try JPEGEncoder(quality: 50).encode(rgb8: $0, width: width, height: height) }
        XCTAssertLessThan(low.count, high.count)
        XCTAssertEqual(try PillowProbe.probe(low).subsampling, 2, "4:2:0 below quality 90")
    }

    func testTheEXIFBlockGoesIntoAnAPP1Segment() throws {
        // IFD0 with Make "Sony" (ASCII, 5 bytes at offset 26) and Orientation 1.
        var exif: [UInt8] = [0x49, 0x49, 42, 0, 8, 0, 0, 0, 2, 0]
        exif += [15, 1, 2, 0, 5, 0, 0, 0, 38, 0, 0, 0]
        exif += [18, 1, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0]
        exif += [0, 0, 0, 0]
        exif += Array("Sony\0".utf8)
        let samples = gradient(width: 16, height: 16)
        let jpeg = try samples.withUnsafeBufferPointer { try JPEGEncoder().encode(rgb8: $0, width: 16, height: 16, exif: exif) }
        XCTAssertNotNil(jpeg.firstRange(of: [0xFF, 0xE1] + [UInt8((exif.count + 8) >> 8), UInt8((exif.count + 8) & 0xFF)]
                                         + Array("Exif\0\0".utf8) + exif))
        let report = try PillowProbe.probe(jpeg)
        XCTAssertEqual(report.tags["271"], "Sony")
        XCTAssertEqual(report.tags["274"], "1")
        XCTAssertEqual(report.exifBytes, exif.count + 6)
    }

    func testRefusesBadArgumentsWithASentence() throws {
        let samples = [UInt8](repeating: 0, count: 12)
        try samples.withUnsafeBufferPointer { buffer in
            XCTAssertThrowsError(try JPEGEncoder(quality: 0).encode(rgb8: buffer, width: 2, height: 2)) {
                XCTAssertEqual($0 as? ImageEncodingError, .invalidQuality(0))
            }
            XCTAssertThrowsError(try JPEGEncoder().encode(rgb8: buffer, width: 3, height: 2)) {
                XCTAssertEqual($0 as? ImageEncodingError, .sampleCountMismatch(expected: 18, actual: 12))
            }
            XCTAssertThrowsError(try JPEGEncoder().encode(rgb8: buffer, width: 70_000, height: 0)) {
                XCTAssertTrue("\($0)".contains("between 1 and 65500 pixels"), "\($0)")
            }
            XCTAssertThrowsError(try JPEGEncoder().encode(rgb8: buffer, width: 2, height: 2,
                                                          exif: [UInt8](repeating: 0, count: 70_000))) {
                XCTAssertEqual($0 as? ImageEncodingError, .exifTooLarge(byteCount: 70_000))
            }
        }
    }
}
