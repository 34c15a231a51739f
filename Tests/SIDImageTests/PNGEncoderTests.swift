import SIDImage
import SIDTestSupport
import XCTest

final class PNGEncoderTests: XCTestCase {
    private let metadata = [("Software", "sid"), ("sid:ratio", "100"), ("sid:model", "sid-sony")]

    func testEightBitRoundTripIsExact() throws {
        let (width, height) = (17, 9)
        let samples = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let png = try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: width, height: height, text: metadata)
        }
        let decoded = try PNGDecoder().decode(png)
        XCTAssertEqual(decoded.width, width)
        XCTAssertEqual(decoded.height, height)
        XCTAssertEqual(decoded.bitDepth, 8)
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.samples, samples.map(UInt16.init))
    }

    func testSixteenBitRoundTripIsExact() throws {
        let (width, height) = (11, 7)
        let samples = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let png = try samples.withUnsafeBufferPointer {
            try PNGEncoder(compressionLevel: 6, filter: .paeth).encode(rgb16: $0, width: width, height: height)
        }
        let decoded = try PNGDecoder().decode(png)
        XCTAssertEqual(decoded.bitDepth, 16)
        XCTAssertEqual(decoded.channels, 3)
        XCTAssertEqual(decoded.samples, samples)
    }

    func testSixteenBitSamplesAreWrittenBigEndian() throws {
        let samples: [UInt16] = [0x0102, 0x0304, 0xFFFE]
        let png = try samples.withUnsafeBufferPointer {
            try PNGEncoder(compressionLevel: 0, filter: .none).encode(rgb16: $0, width: 1, height: 1)
        }
        // Level 0 stores the row verbatim: filter byte 0 then the samples in network order.
        XCTAssertNotNil(png.firstRange(of: [0x00, 0x01, 0x02, 0x03, 0x04, 0xFF, 0xFE]))
        XCTAssertEqual(try PNGDecoder().decode(png).samples, samples)
    }

    func testWritesSRGBAndTextChunks() throws {
        let samples = [UInt8](repeating: 128, count: 3)
        let png = try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 1, height: 1, text: metadata)
        }
        XCTAssertNotNil(png.firstRange(of: Array("sRGB".utf8)))
        XCTAssertNotNil(png.firstRange(of: Array("tEXtSoftware\0sid".utf8)))
        let decoded = try PNGDecoder().decode(png)
        XCTAssertTrue(decoded.hasSRGB)
        XCTAssertEqual(decoded.text.map(\.key), metadata.map(\.0))
        XCTAssertEqual(decoded.text.map(\.value), metadata.map(\.1))
        XCTAssertEqual(decoded.textValue(forKey: "sid:ratio"), "100")
    }

    func testLatin1TextRoundTrips() throws {
        let samples = [UInt8](repeating: 0, count: 3)
        let png = try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 1, height: 1, text: [("Comment", "café ±1")])
        }
        XCTAssertEqual(try PNGDecoder().decode(png).textValue(forKey: "Comment"), "café ±1")
    }

    func testOddSizesRoundTrip() throws {
        for (width, height) in [(1, 1), (3, 5), (5, 3)] {
            let samples8 = (0..<(width * height * 3)).map { UInt8($0 % 251) }
            let samples16 = (0..<(width * height * 3)).map { UInt16($0 * 4099 % 65_521) }
            for filter in PNGFilter.allCases {
                let encoder = PNGEncoder(compressionLevel: 3, filter: filter)
                let png8 = try samples8.withUnsafeBufferPointer {
                    try encoder.encode(rgb8: $0, width: width, height: height)
                }
                let png16 = try samples16.withUnsafeBufferPointer {
                    try encoder.encode(rgb16: $0, width: width, height: height)
                }
                XCTAssertEqual(try PNGDecoder().decode(png8).samples, samples8.map(UInt16.init), "\(width)x\(height) \(filter)")
                XCTAssertEqual(try PNGDecoder().decode(png16).samples, samples16, "\(width)x\(height) \(filter)")
            }
        }
    }

    /// 300 rows are three independently deflated stripes; every filter must still give back the exact samples,
    /// and the bytes must not depend on how many threads compressed them.
    func testImagesOfSeveralStripesRoundTripWithTheSameBytesOnAnyThreadCount() throws {
        let (width, height) = (37, 300)
        let samples8 = (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: ($0 * 7919) >> 3) }
        let samples16 = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 * 40_503) }
        for filter in PNGFilter.allCases {
            let single = PNGEncoder(compressionLevel: 6, filter: filter, threads: 1)
            let several = PNGEncoder(compressionLevel: 6, filter: filter, threads: 3)
            let png8 = try samples8.withUnsafeBufferPointer { try single.encode(rgb8: $0, width: width, height: height) }
            let png16 = try samples16.withUnsafeBufferPointer { try single.encode(rgb16: $0, width: width, height: height) }
            XCTAssertEqual(try samples8.withUnsafeBufferPointer { try several.encode(rgb8: $0, width: width, height: height) },
                           png8, "\(filter)")
            XCTAssertEqual(try samples16.withUnsafeBufferPointer { try several.encode(rgb16: $0, width: width, height: height) },
                           png16, "\(filter)")
            XCTAssertEqual(try PNGDecoder().decode(png8).samples, samples8.map(UInt16.init), "\(filter)")
            XCTAssertEqual(try PNGDecoder().decode(png16).samples, samples16, "\(filter)")
        }
    }

    /// The image data is one zlib stream: a valid header and the Adler-32 of all filtered rows at its end,
    /// computed here independently (unfiltered rows: a 0 byte, then the big-endian samples).
    func testImageDataIsOneZlibStreamWithTheChecksumOfEveryRow() throws {
        let (width, height) = (5, 261)
        let samples = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let png = try samples.withUnsafeBufferPointer {
            try PNGEncoder(compressionLevel: 1, filter: .none, threads: 2).encode(rgb16: $0, width: width, height: height)
        }
        var stream: [UInt8] = []
        var offset = 8
        var chunkTypes: [String] = []
        while offset + 12 <= png.count {
            let length = png[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: png[offset + 4..<offset + 8], as: UTF8.self)
            chunkTypes.append(type)
            if type == "IDAT" { stream += png[offset + 8..<offset + 8 + length] }
            offset += 12 + length
        }
        XCTAssertEqual(offset, png.count)
        XCTAssertEqual(chunkTypes.first, "IHDR")
        XCTAssertEqual(chunkTypes.last, "IEND")
        XCTAssertEqual(stream[0], 0x78)
        XCTAssertEqual((Int(stream[0]) << 8 | Int(stream[1])) % 31, 0)
        var a: UInt32 = 1, b: UInt32 = 0
        for y in 0..<height {
            var row: [UInt8] = [0]
            for sample in samples[(y * width * 3)..<((y + 1) * width * 3)] { row += [UInt8(sample >> 8), UInt8(sample & 0xFF)] }
            for byte in row {
                a = (a + UInt32(byte)) % 65_521
                b = (b + a) % 65_521
            }
        }
        let checksum = stream.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        XCTAssertEqual(checksum, b << 16 | a)
        XCTAssertEqual(try PNGDecoder().decode(png).samples, samples)
    }

    func testRejectsWrongSampleCount() {
        let samples = [UInt8](repeating: 0, count: 10)
        XCTAssertThrowsError(try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 2, height: 2)
        }) { XCTAssertEqual($0 as? PNGError, .sampleCountMismatch(expected: 12, actual: 10)) }
    }

    func testRejectsZeroSizeAndBadLevel() {
        let samples = [UInt8](repeating: 0, count: 3)
        XCTAssertThrowsError(try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 0, height: 1)
        }) { XCTAssertEqual($0 as? PNGError, .invalidDimensions(width: 0, height: 1)) }
        XCTAssertThrowsError(try samples.withUnsafeBufferPointer {
            try PNGEncoder(compressionLevel: 10).encode(rgb8: $0, width: 1, height: 1)
        }) { XCTAssertEqual($0 as? PNGError, .invalidCompressionLevel(10)) }
    }

    func testRejectsInvalidTextKeywordsAndValues() {
        let samples = [UInt8](repeating: 0, count: 3)
        for keyword in ["", " lead", "trail ", "two  spaces", String(repeating: "k", count: 80), "naïve"] {
            XCTAssertThrowsError(try samples.withUnsafeBufferPointer {
                try PNGEncoder().encode(rgb8: $0, width: 1, height: 1, text: [(keyword, "x")])
            }) { XCTAssertEqual($0 as? PNGError, .invalidTextKeyword(keyword)) }
        }
        XCTAssertThrowsError(try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 1, height: 1, text: [("Title", "暗い")])
        }) { XCTAssertEqual($0 as? PNGError, .textNotLatin1(keyword: "Title")) }
    }
}
