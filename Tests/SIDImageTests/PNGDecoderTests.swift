import SIDImage
import SIDTestSupport
import XCTest

final class PNGDecoderTests: XCTestCase {
    private func samplePNG() throws -> [UInt8] {
        let samples = (0..<(8 * 8 * 3)).map { UInt8($0 % 256) }
        return try samples.withUnsafeBufferPointer { try PNGEncoder().encode(rgb8: $0, width: 8, height: 8) }
    }

    /// Found by fuzzing (Fuzz/png-decoder/corpus/regression-huge-chunk-length.png): a text chunk whose length field
    /// claimed about 1 GB made libpng allocate that much before finding the data missing.
    func testChunksLargerThanEightMegabytesAreRefused() throws {
        let samples = [UInt8](repeating: 7, count: 4 * 4 * 3)
        let small = String(repeating: "x", count: 1 << 20)
        let large = String(repeating: "x", count: 9 << 20)
        let accepted = try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 4, height: 4, text: [("Comment", small)])
        }
        XCTAssertEqual(try PNGDecoder().decode(accepted).textValue(forKey: "Comment")?.utf8.count, 1 << 20)
        let refused = try samples.withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 4, height: 4, text: [("Comment", large)])
        }
        // The hostile shape: a short file whose text chunk claims 0x3F000000 bytes.
        let claim = Array(accepted.prefix(33)) + [0x3F, 0, 0, 0] + Array("tEXtSoftware".utf8)
        for png in [refused, claim] {
            XCTAssertThrowsError(try PNGDecoder().decode(png)) { error in
                guard case .tooLarge? = error as? PNGError else { return XCTFail("unexpected \(error)") }
            }
        }
    }

    func testGarbageIsNotPNG() {
        for garbage in [[], [0x89, 0x50], Array("GET / HTTP/1.1\r\n\r\n".utf8)] as [[UInt8]] {
            XCTAssertThrowsError(try PNGDecoder().decode(garbage)) { XCTAssertEqual($0 as? PNGError, .notPNG) }
        }
    }

    func testTruncatedFileIsReported() throws {
        let png = try samplePNG()
        for length in [8, 20, 40, png.count - 13] {
            XCTAssertThrowsError(try PNGDecoder().decode(Array(png.prefix(length))), "length \(length)") {
                XCTAssertEqual($0 as? PNGError, .truncated, "length \(length): \($0)")
            }
        }
    }

    func testCorruptChunkIsAnError() throws {
        var png = try samplePNG()
        png[20] ^= 0xFF // inside IHDR: the CRC no longer matches
        XCTAssertThrowsError(try PNGDecoder().decode(png)) { error in
            guard case .libpng = error as? PNGError else { return XCTFail("unexpected \(error)") }
            XCTAssertFalse(String(describing: error).isEmpty)
        }
    }

    func testRandomBytesAfterSignatureNeverCrash() {
        var generator = SystemRandomNumberGenerator()
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        for _ in 0..<200 {
            let tail = (0..<Int.random(in: 0..<300, using: &generator)).map { _ in UInt8.random(in: 0...255) }
            XCTAssertThrowsError(try PNGDecoder().decode(signature + tail))
        }
    }

    func testRefusesImagesAboveThePixelLimit() throws {
        XCTAssertThrowsError(try PNGDecoder(maxPixelCount: 63).decode(samplePNG())) { error in
            guard case .tooLarge = error as? PNGError else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertEqual(try PNGDecoder(maxPixelCount: 64).decode(samplePNG()).width, 8)
    }

    func testMissingSRGBIsReported() throws {
        // A minimal 1x1 gray PNG without sRGB, built by hand (zlib stream of filter 0 + sample 0x7F).
        let png: [UInt8] = [
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A,
            0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
            0x08, 0x00, 0x00, 0x00, 0x00, 0x3A, 0x7E, 0x9B, 0x55,
            0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xA8, 0x07, 0x00, 0x00, 0x81,
            0x00, 0x80, 0xD3, 0x94, 0x53, 0x4A,
            0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
        ]
        let decoded = try PNGDecoder().decode(png)
        XCTAssertFalse(decoded.hasSRGB)
        XCTAssertEqual(decoded.channels, 1)
        XCTAssertEqual(decoded.samples, [0x7F])
    }
}
