import Foundation
@testable import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

final class RawDecoderTests: XCTestCase {
    let decoder = RawDecoder()

    // MARK: - Inputs that are not raws

    func testEmptyInputIsRefused() {
        assertRawDecodingError(try decoder.decode(Data())) { XCTAssertEqual($0, .emptyInput) }
        assertRawDecodingError(try decoder.metadata(Data())) { XCTAssertEqual($0, .emptyInput) }
        XCTAssertEqual(RawDecodingError.emptyInput.httpStatusHint, 415)
    }

    func testPNGIsNamedInTheError() {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13] + Array("IHDR".utf8)
            + [UInt8](repeating: 0, count: 200))
        assertRawDecodingError(try decoder.decode(png)) { error in
            guard case .notARawFile(detectedFormat: "a PNG image", _) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertTrue(error.description.contains("PNG image"), error.description)
            XCTAssertEqual(error.httpStatusHint, 415)
        }
    }

    func testJPEGIsNamedInTheError() {
        let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10] + Array("JFIF".utf8)
            + [UInt8](repeating: 0x20, count: 300))
        assertRawDecodingError(try decoder.decode(jpeg)) { error in
            guard case .notARawFile(detectedFormat: "a JPEG image", _) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(error.httpStatusHint, 415)
        }
    }

    func testRandomBytesAndTextAreNotRaws() {
        var generator = SeededGenerator(seed: 99)
        let random = Data((0 ..< 5000).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        assertRawDecodingError(try decoder.decode(random)) { error in
            guard case .notARawFile = error else { return XCTFail("unexpected \(error)") }
        }
        let text = Data("hello, this is not a photograph\n".utf8)
        assertRawDecodingError(try decoder.decode(text)) { error in
            guard case .notARawFile(detectedFormat: "text", _) = error else { return XCTFail("unexpected \(error)") }
        }
    }

    // MARK: - Damaged raws

    func testTruncatedDNGsGiveTypedErrorsAtEveryCutPoint() throws {
        let width = 64, height = 48
        let dng = try Fixtures.dng(width: width, height: height)
        let stripOffset = dng.count - width * height * 2
        let cuts = [1, 4, 8, 9, 30, 100, 200, stripOffset - 1, stripOffset, stripOffset + 1, stripOffset + 100,
                    stripOffset + width * height, dng.count - 2]
        // Not `dng.count - 1`: LibRaw 0.20's buffer stream rounds a partial final sample up to a whole read, so a
        // file missing only its last byte decodes with that one sample's high byte left stale.
        for cut in cuts {
            assertRawDecodingError(try decoder.decode(dng.prefix(cut))) { error in
                XCTAssertTrue([415, 422].contains(error.httpStatusHint), "cut \(cut): \(error)")
                if cut >= stripOffset {
                    guard case .truncatedOrCorrupt = error else { return XCTFail("cut \(cut): \(error)") }
                }
            }
        }
        // A header cut inside the first directory is still recognisably a damaged TIFF-based raw.
        assertRawDecodingError(try decoder.decode(dng.prefix(60))) { error in
            guard case .truncatedOrCorrupt = error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.httpStatusHint, 422)
        }
    }

    func testTruncatedSonyARWFromTheSharedAssetsIsRefused() throws {
        let arw = try Fixtures.sharedFile("sid-assets/raws/negative/sony-zv-e10_first100000bytes.arw")
        assertRawDecodingError(try decoder.decode(arw)) { error in
            XCTAssertTrue([415, 422].contains(error.httpStatusHint), "\(error)")
            XCTAssertFalse(error.description.isEmpty)
        }
        assertRawDecodingError(try decoder.metadata(arw))
    }

    // MARK: - Raws the model cannot take

    func testTooSmallImagesAreRefused() throws {
        let dng = try Fixtures.dng(width: 30, height: 40)
        assertRawDecodingError(try decoder.decode(dng)) { error in
            XCTAssertEqual(error, .tooSmall(width: 30, height: 40))
            XCTAssertEqual(error.httpStatusHint, 422)
        }
        // 32x32 packs to 16x16 from RGGB but only 15x15 from BGGR, whose red origin is (1, 1).
        XCTAssertNoThrow(try decoder.decode(try Fixtures.dng(width: 32, height: 32, cfa: .rggb)))
        assertRawDecodingError(try decoder.decode(try Fixtures.dng(width: 32, height: 32, cfa: .bggr))) {
            XCTAssertEqual($0, .tooSmall(width: 32, height: 32))
        }
    }

    func testHeaderClaimingHugeSizeIsRefusedBeforeUnpacking() throws {
        let bomb = Fixtures.customDNG(width: 20000, height: 20000, photometric: 32803, cfaRepeat: [2, 2],
                                      cfaPattern: [0, 1, 1, 2], stripByteCount: 256)
        XCTAssertLessThan(bomb.count, 2000)
        assertRawDecodingError(try decoder.decode(bomb)) { error in
            XCTAssertEqual(error, .tooManyPixels(width: 20000, height: 20000, limit: 100_000_000))
            XCTAssertEqual(error.httpStatusHint, 422)
        }
        // Reading metadata never allocates pixels, so it may describe the claim.
        let metadata = try decoder.metadata(bomb)
        XCTAssertEqual(metadata.rawWidth, 20000)
        XCTAssertEqual(metadata.rawHeight, 20000)
    }

    func testPixelLimitIsConfigurable() throws {
        let dng = try Fixtures.dng(width: 37, height: 33)
        assertRawDecodingError(try RawDecoder(maxPixels: 1000).decode(dng)) {
            XCTAssertEqual($0, .tooManyPixels(width: 37, height: 33, limit: 1000))
        }
        XCTAssertNoThrow(try RawDecoder(maxPixels: 37 * 33).decode(dng))
    }

    func testLinearDNGIsUnsupported() throws {
        let linear = Fixtures.customDNG(width: 40, height: 40, photometric: 34892, samplesPerPixel: 3)
        assertRawDecodingError(try decoder.decode(linear)) { error in
            XCTAssertEqual(error, .linearImage)
            XCTAssertEqual(error.httpStatusHint, 422)
        }
        XCTAssertEqual(try decoder.metadata(linear).cfa, "linear")
        XCTAssertEqual(try decoder.metadata(linear).packedWidth, 0)
    }

    func testMonochromeDNGIsUnsupported() throws {
        let monochrome = Fixtures.customDNG(width: 40, height: 40, photometric: 34892, samplesPerPixel: 1)
        assertRawDecodingError(try decoder.decode(monochrome)) { XCTAssertEqual($0, .monochromeSensor) }
        XCTAssertEqual(try decoder.metadata(monochrome).cfa, "monochrome")
        // LibRaw 0.20 does not open BlackIsZero DNGs at all; the error still says what the file looked like.
        let blackIsZero = Fixtures.customDNG(width: 40, height: 40, photometric: 1)
        assertRawDecodingError(try decoder.decode(blackIsZero)) { error in
            guard case .notARawFile(detectedFormat: let format?, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(format.contains("TIFF"), format)
        }
    }

    func testXTransDNGDecodesForTheFujiModel() throws {
        // Until the Fuji model this was refused with `.xTransSensor`; XTransDecodingTests covers the decoding itself.
        let xTrans = Fixtures.customDNG(width: 53, height: 53, photometric: 32803, cfaRepeat: [6, 6],
                                        cfaPattern: Fixtures.xTransPattern)
        let raw = try decoder.decode(xTrans)
        guard case let .xTrans(pattern) = raw.mosaic else { return XCTFail("decoded as \(raw.mosaic)") }
        // The fixture's pattern is the X-T2's started one row down: the X-T2 phase is at (5, 0) and, as X-Trans repeats
        // under a (3, 3) shift, at (2, 3), which crops less.
        XCTAssertTrue(pattern.modelOrigin == (2, 3), "\(pattern.modelOrigin)")
        XCTAssertEqual(try decoder.metadata(xTrans).cfa, "X-Trans")
        XCTAssertEqual(raw.metadata.cfa, "X-Trans")
        // Rows 2...49 and columns 3...50 hold 8x8 whole blocks.
        XCTAssertEqual([raw.metadata.packedWidth, raw.metadata.packedHeight], [16, 16])
    }

    func testXTransNeedsSixteenPackedPixelsFromTheX2Phase() throws {
        // At the X-T2 phase 48x48 is 8x8 blocks, 16x16 packed; one row or column less is too small.
        XCTAssertNoThrow(try decoder.decode(try Fixtures.xTransDNG(width: 48, height: 48)))
        for (width, height) in [(47, 48), (48, 47), (100, 40)] {
            assertRawDecodingError(try decoder.decode(try Fixtures.xTransDNG(width: width, height: height))) { error in
                XCTAssertEqual(error, .tooSmall(width: width, height: height))
                XCTAssertTrue(error.description.contains("48x48 for X-Trans"), error.description)
                XCTAssertEqual(error.httpStatusHint, 422)
            }
        }
        // Started two columns into the pattern, the X-T2 phase begins at column 4, so 52 columns are needed.
        let shifted = XTransPattern.sidFuji.shifted(rows: 0, columns: 2)
        XCTAssertNoThrow(try decoder.decode(try Fixtures.xTransDNG(width: 52, height: 48, pattern: shifted)))
        assertRawDecodingError(try decoder.decode(try Fixtures.xTransDNG(width: 51, height: 48, pattern: shifted))) {
            XCTAssertEqual($0, .tooSmall(width: 51, height: 48))
        }
        assertRawDecodingError(try RawDecoder(maxPixels: 2000).decode(try Fixtures.xTransDNG(width: 48, height: 48))) {
            XCTAssertEqual($0, .tooManyPixels(width: 48, height: 48, limit: 2000))
        }
    }

    func testXTransMetadataMatchesTheDecodedImage() throws {
        let dng = try Fixtures.xTransDNG(width: 61, height: 55, blackLevel: 256, whiteLevel: 4095, make: "FUJIFILM",
                                         model: "X-Pro2")
        let metadata = try decoder.metadata(dng)
        XCTAssertEqual(metadata, try decoder.decode(dng).metadata)
        XCTAssertEqual(metadata.cfa, "X-Trans")
        XCTAssertEqual(metadata.blackLevels, [256, 256, 256, 256])
        XCTAssertEqual(metadata.whiteLevel, 4095)
        // A third of the whole 6x6 blocks: 60x54 of 61x55.
        XCTAssertEqual([metadata.packedWidth, metadata.packedHeight], [20, 18])
        XCTAssertEqual(try decoder.metadata(try Fixtures.xTransDNG(make: "FUJIFILM", model: "X-T2")).blackLevels,
                       [1024, 1024, 1024, 1024])
    }

    func testSixBySixPatternsThatAreNotXTransAreUnsupported() throws {
        // Bayer written out over 6x6 is not X-Trans.
        let bayerSixBySix = (0 ..< 36).map { index -> UInt8 in [0, 1, 1, 2][(index / 6 % 2) * 2 + index % 2] }
        let dng = Fixtures.customDNG(width: 60, height: 60, photometric: 32803, cfaRepeat: [6, 6],
                                     cfaPattern: bayerSixBySix)
        assertRawDecodingError(try decoder.decode(dng)) { error in
            guard case let .unsupportedColorFilter(layout) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(layout.contains("6x6"), layout)
            XCTAssertEqual(error.httpStatusHint, 422)
        }
        XCTAssertEqual(try decoder.metadata(dng).cfa, "other")
        XCTAssertEqual(try decoder.metadata(dng).packedWidth, 0)
    }

    func testOtherColourFiltersAreUnsupported() throws {
        let fourRow = Fixtures.customDNG(width: 48, height: 48, photometric: 32803, cfaRepeat: [4, 2],
                                         cfaPattern: [0, 1, 1, 2, 1, 0, 2, 1])
        assertRawDecodingError(try decoder.decode(fourRow)) { error in
            guard case .unsupportedColorFilter = error else { return XCTFail("\(error)") }
        }
        let cyanMagentaYellow = Fixtures.customDNG(width: 48, height: 48, photometric: 32803, cfaRepeat: [2, 2],
                                                   cfaPattern: [3, 4, 5, 1])
        assertRawDecodingError(try decoder.decode(cyanMagentaYellow)) { error in
            guard case .unsupportedColorFilter = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try decoder.metadata(cyanMagentaYellow).cfa, "other")
    }

    // MARK: - Levels and metadata

    func testSIDCameraUsesTheLevelsSIDWasTrainedWith() throws {
        let dng = try Fixtures.dng(blackLevels: [600, 600, 600, 600], whiteLevel: 15000, make: "SONY",
                                   model: "ILCE-7SM2")
        let raw = try decoder.decode(dng)
        XCTAssertEqual(raw.metadata.make, "Sony")
        XCTAssertEqual(raw.blackLevels, [512, 512, 512, 512])
        XCTAssertEqual(raw.whiteLevel, 16383)
        XCTAssertEqual(try decoder.metadata(dng).blackLevels, [512, 512, 512, 512])
        // Another Sony body keeps what its file says.
        let other = try decoder.decode(try Fixtures.dng(blackLevels: [600, 600, 600, 600], whiteLevel: 15000,
                                                        make: "Sony", model: "ILCE-7SM3"))
        XCTAssertEqual(other.blackLevels, [600, 600, 600, 600])
        XCTAssertEqual(other.whiteLevel, 15000)
    }

    func testMetadataMatchesDecodedImage() throws {
        let dng = try Fixtures.dng(width: 50, height: 41, cfa: .gbrg, blackLevels: [100, 101, 102, 103],
                                   whiteLevel: 4095, exposureTime: 0.04, iso: 800)
        let metadata = try decoder.metadata(dng)
        XCTAssertEqual(metadata, try decoder.decode(dng).metadata)
        XCTAssertEqual(metadata, RawMetadata(
            make: "Acme", model: "Test Camera", width: 50, height: 41, rawWidth: 50, rawHeight: 41, cfa: "GBRG",
            blackLevels: [100, 101, 102, 103], whiteLevel: 4095, exposureTime: 0.04, iso: 800,
            packedWidth: 25, packedHeight: 20))
    }

    func testPatternBlackAveragesPeriodsThatAreNotTwo() {
        // cblack[4], cblack[5] give the pattern size; entries follow from index 6.
        var storage = [UInt32](repeating: 0, count: 64)
        storage[4] = 1
        storage[5] = 3
        storage[6 ..< 9] = [10, 20, 30]
        storage.withUnsafeBufferPointer { cblack in
            // Even columns of a 3-wide pattern visit entries 0, 2, 1; odd columns visit 1, 0, 2.
            XCTAssertEqual(LibRawSession.patternBlack(cblack, row: 0, col: 0), 20)
            XCTAssertEqual(LibRawSession.patternBlack(cblack, row: 1, col: 1), 20)
        }
        storage[4] = 2
        storage[5] = 2
        storage[6 ..< 10] = [1, 2, 3, 4]
        storage.withUnsafeBufferPointer { cblack in
            XCTAssertEqual(LibRawSession.patternBlack(cblack, row: 1, col: 0), 3)
        }
    }

    func testConcurrentDecodesAreIndependent() throws {
        let inputs = try CFAPattern.allCases.map { try Fixtures.dng(width: 48, height: 40, cfa: $0) }
        let expected = try inputs.map { try decoder.decode($0).pixels }
        let results = ResultBox(count: inputs.count * 4)
        DispatchQueue.concurrentPerform(iterations: inputs.count * 4) { index in
            let pixels = try? RawDecoder().decode(inputs[index % inputs.count]).pixels
            results.set(index, pixels)
        }
        for index in 0 ..< inputs.count * 4 {
            XCTAssertEqual(results.get(index), expected[index % inputs.count], "decode \(index)")
        }
    }

    func testErrorMessagesAreSentences() {
        let errors: [RawDecodingError] = [
            .emptyInput, .notARawFile(detectedFormat: nil, reason: "x"), .truncatedOrCorrupt(reason: "x"),
            .undecodablePixelData(reason: "x"), .xTransSensor, .monochromeSensor, .linearImage,
            .unsupportedColorFilter(layout: "x"), .tooSmall(width: 1, height: 2),
            .tooManyPixels(width: 1, height: 2, limit: 1), .invalidLevels(blackLevels: [1], whiteLevel: 0),
            .libRawFailure(operation: "x", reason: "y"),
        ]
        for error in errors {
            XCTAssertGreaterThan(error.description.count, 20, "\(error)")
            XCTAssertTrue([415, 422, 500].contains(error.httpStatusHint))
        }
        XCTAssertEqual(RawDecodingError.libRawFailure(operation: "x", reason: "y").httpStatusHint, 500)
    }
}

/// Collects results from concurrent work.
private final class ResultBox: @unchecked Sendable {
    private var values: [[UInt16]?]
    private let lock = NSLock()

    init(count: Int) {
        values = Array(repeating: nil, count: count)
    }

    func set(_ index: Int, _ value: [UInt16]?) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    func get(_ index: Int) -> [UInt16]? {
        lock.lock()
        defer { lock.unlock() }
        return values[index]
    }
}
