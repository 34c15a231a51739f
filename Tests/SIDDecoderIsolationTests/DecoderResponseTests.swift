import Foundation
@testable import SIDDecoderIsolation
import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

/// The decoder process's answer: what goes in comes out, and bytes that are not a well-formed answer are refused
/// before anything large is allocated.
final class DecoderResponseTests: XCTestCase {
    private let maxPixels = 1_000_000

    private func decodedBayer() throws -> RawImage {
        try RawDecoder().decode(try Fixtures.dng(width: 64, height: 48, cfa: .grbg, blackLevels: [510, 512, 514, 516]))
    }

    private func assertSame(_ a: RawImage, _ b: RawImage, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.metadata, b.metadata, file: file, line: line)
        XCTAssertEqual(a.mosaic, b.mosaic, file: file, line: line)
        XCTAssertEqual(a.cfa, b.cfa, file: file, line: line)
        XCTAssertEqual(a.pixels, b.pixels, file: file, line: line)
    }

    private func assertRefused(_ bytes: [UInt8], maxPixels: Int? = nil, file: StaticString = #filePath,
                               line: UInt = #line, _ check: (DecoderWireError) -> Void = { _ in }) {
        do {
            _ = try DecoderResponse.read(bytes, maxPixels: maxPixels ?? self.maxPixels)
            XCTFail("a malformed response was accepted", file: file, line: line)
        } catch let error as DecoderWireError {
            check(error)
        } catch {
            XCTFail("expected a DecoderWireError, got \(error)", file: file, line: line)
        }
    }

    // MARK: - Round trips

    func testABayerMosaicRoundTripsWithItsMetadata() throws {
        let image = try decodedBayer()
        guard case let .raw(back) = try DecoderResponse.read(DecoderResponse.raw(image).bytes, maxPixels: maxPixels) else {
            return XCTFail("not a raw")
        }
        assertSame(back, image)
        XCTAssertEqual(back.metadata.make, "Acme")
        XCTAssertEqual(back.blackLevels, [510, 512, 514, 516])
    }

    func testAnXTransMosaicRoundTrips() throws {
        let image = try RawDecoder().decode(try Fixtures.xTransDNG(width: 60, height: 54))
        guard case let .raw(back) = try DecoderResponse.read(DecoderResponse.raw(image).bytes, maxPixels: maxPixels) else {
            return XCTFail("not a raw")
        }
        assertSame(back, image)
        XCTAssertEqual(back.mosaic, .xTrans(.sidFuji))
    }

    private func rendering(ratio: Float = 37.5, renderSeconds: Double = 0.25) throws -> BaselineRendering {
        let raw = try decodedBayer()
        let pixels = (0 ..< 5 * 3 * 3).map { UInt16($0 * 1000) }
        return BaselineRendering(image: RGBImage16(width: 5, height: 3, pixels: pixels), metadata: raw.metadata,
                                 mosaic: raw.mosaic, ratio: ratio, renderSeconds: renderSeconds)
    }

    func testARenderedImageRoundTripsWithItsMetadataAndRatio() throws {
        let sent = try rendering()
        let bytes = DecoderResponse.rendered(sent).bytes
        guard case let .rendered(back) = try DecoderResponse.read(bytes, maxPixels: maxPixels) else {
            return XCTFail("not a rendered image")
        }
        XCTAssertEqual([back.image.width, back.image.height], [5, 3])
        XCTAssertEqual(back.image.pixels, sent.image.pixels)
        XCTAssertEqual(back.metadata, sent.metadata)
        XCTAssertEqual(back.mosaic, sent.mosaic)
        XCTAssertEqual(back.ratio, 37.5)
        XCTAssertEqual(back.renderSeconds, 0.25)
    }

    func testARenderingWithAnImpossibleRatioOrTimeIsRefused() throws {
        for bad in [try rendering(ratio: 0), try rendering(ratio: .nan), try rendering(ratio: 1001),
                    try rendering(renderSeconds: -1), try rendering(renderSeconds: .infinity)] {
            XCTAssertThrowsError(try DecoderResponse.read(DecoderResponse.rendered(bad).bytes, maxPixels: maxPixels)) {
                guard case .outOfRange? = $0 as? DecoderWireError else { return XCTFail("\($0)") }
            }
        }
    }

    func testEveryDecodingErrorRoundTrips() throws {
        let errors: [RawDecodingError] = [
            .emptyInput, .notARawFile(detectedFormat: "a PNG image", reason: "Unsupported file format"),
            .notARawFile(detectedFormat: nil, reason: "x"), .truncatedOrCorrupt(reason: "short"),
            .undecodablePixelData(reason: "lossy"), .xTransSensor, .monochromeSensor, .linearImage,
            .unsupportedColorFilter(layout: "CMYG"), .tooSmall(width: 10, height: 12),
            .tooManyPixels(width: 20000, height: 10000, limit: 100_000_000),
            .invalidLevels(blackLevels: [1, 2, 3, 4], whiteLevel: 0), .libRawFailure(operation: "unpack", reason: "oom"),
            .decoderCrashed(signal: SIGSEGV), .decoderTimedOut(seconds: 1.5), .decoderOutOfMemory(limitMegabytes: 512),
            .decoderMalfunction(reason: "é, ünïcode"),
        ]
        for error in errors {
            guard case let .failure(back) = try DecoderResponse.read(DecoderResponse.failure(error).bytes, maxPixels: maxPixels) else {
                return XCTFail("not a failure: \(error)")
            }
            XCTAssertEqual(back, error)
        }
    }

    func testOverlongStringsAreCutToWhatTheReaderAccepts() throws {
        let long = String(repeating: "é", count: WireReader.maxStringBytes)
        let bytes = DecoderResponse.failure(.truncatedOrCorrupt(reason: long)).bytes
        guard case let .failure(.truncatedOrCorrupt(reason)) = try DecoderResponse.read(bytes, maxPixels: maxPixels) else {
            return XCTFail("not the error")
        }
        XCTAssertEqual(reason.utf8.count, WireReader.maxStringBytes)
        XCTAssertTrue(long.hasPrefix(reason))
    }

    // MARK: - Malformed answers

    func testEveryTruncationIsRefused() throws {
        let bytes = DecoderResponse.raw(try decodedBayer()).bytes
        // Every cut inside the preamble and header, then a spread through the samples.
        let cuts = Array(0 ..< 200) + stride(from: 200, to: bytes.count, by: 97).map { $0 } + [bytes.count - 1]
        for cut in cuts {
            assertRefused(Array(bytes[..<cut])) { error in
                guard case .truncated = error else { return XCTFail("cut \(cut): \(error)") }
            }
        }
    }

    func testTrailingBytesAndWrongMagicAreRefused() throws {
        let bytes = DecoderResponse.failure(.emptyInput).bytes
        assertRefused(bytes + [0])
        var wrong = bytes
        wrong[7] = UInt8(ascii: "1")  // the previous protocol version
        assertRefused(wrong) { XCTAssertEqual($0, .wrongMagic) }
        assertRefused(Array("this is not a decoder response\n".utf8)) { XCTAssertEqual($0, .wrongMagic) }
    }

    /// A header claiming a huge image is refused from the header alone: no samples follow, so an attempt to
    /// allocate and read them would report truncation instead.
    func testSizesBeyondThePixelLimitAreRefusedBeforeTheSamples() throws {
        let image = try decodedBayer()
        let full = DecoderResponse.raw(image).bytes
        let headerOnly = Array(full[..<(full.count - image.pixels.count * 2)])
        assertRefused(headerOnly, maxPixels: 64 * 48 - 1) { error in
            guard case let .outOfRange(detail) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("visible area"), detail)
        }
        // A rendering's size is the last 8 bytes of its header, after the raw's metadata, ratio and time.
        let rendered = try rendering()
        let renderedFull = DecoderResponse.rendered(rendered).bytes
        let renderedHeader = Array(renderedFull[..<(renderedFull.count - rendered.image.pixels.count * 2)])
        for (width, height) in [(UInt32.max, UInt32.max), (100_000, 100_000), (0, 10)] {
            var size = WireWriter()
            size.append(width)
            size.append(height)
            let claim = Array(renderedHeader.dropLast(8)) + size.bytes
            assertRefused(claim) { error in
                guard case .outOfRange = error else { return XCTFail("\(width)x\(height): \(error)") }
            }
        }
    }

    func testAHeaderLongerThanTheLimitIsRefusedBeforeItIsRead() {
        var preamble = WireWriter()
        preamble.append(raw: DecoderResponse.magic)
        preamble.append(UInt8(3))
        preamble.append(UInt32(DecoderResponse.maxHeaderBytes + 1))
        assertRefused(preamble.bytes) { error in
            guard case .outOfRange = error else { return XCTFail("\(error)") }
        }
    }

    func testUnknownKindsAndCodesAreRefused() throws {
        assertRefused(response(tag: 9, header: []))
        assertRefused(response(tag: 3, header: [99]))
        // A notARawFile whose "format present" flag is neither 0 nor 1.
        var flag = WireWriter()
        flag.append(UInt8(1))
        flag.append(UInt8(2))
        flag.append("")
        flag.append("")
        assertRefused(response(tag: 3, header: flag.bytes))
    }

    func testRawHeadersWithBadFieldsAreRefused() throws {
        let image = try decodedBayer()
        // The fields as laid out here do make a valid answer, so each refusal below is down to its one change.
        let samples = image.pixels.withUnsafeBytes { Array($0) }
        guard case let .raw(back) = try DecoderResponse.read(response(tag: 1, header: rawHeader(image)) + samples,
                                                             maxPixels: maxPixels) else {
            return XCTFail("the unchanged header was not read as a raw")
        }
        assertSame(back, image)
        func mutated(_ change: (inout RawHeaderFields) -> Void) -> [UInt8] {
            var fields = RawHeaderFields(image)
            change(&fields)
            return response(tag: 1, header: fields.bytes) + [UInt8](repeating: 0, count: image.pixels.count * 2)
        }
        let cases: [(String, [UInt8])] = [
            ("three black levels", mutated { $0.black = [1, 2, 3] }),
            ("black above white", mutated { $0.white = 100; $0.black = [512, 512, 512, 512] }),
            ("NaN white", mutated { $0.white = .nan }),
            ("infinite ISO", mutated { $0.iso = .infinity }),
            ("NaN aperture", mutated { $0.aperture = .nan }),
            ("negative focal length", mutated { $0.focalLength = -5 }),
            ("capture time before 1970", mutated { $0.timestamp = -1 }),
            ("orientation code 9", mutated { $0.flip = 9 }),
            ("mosaic kind 7", mutated { $0.mosaic = [7] }),
            ("Bayer code 4", mutated { $0.mosaic = [1, 4] }),
            ("X-Trans colour 3", mutated { $0.mosaic = [2] + [UInt8](repeating: 3, count: 36) }),
            ("not X-Trans", mutated { $0.mosaic = [2] + [UInt8](repeating: 1, count: 36) }),
            ("too small to pack", mutated { $0.width = 20; $0.height = 20 }),
            ("sensor beyond the limit", mutated { $0.rawWidth = UInt32.max; $0.rawHeight = UInt32.max }),
            ("invalid UTF-8 make", mutated { $0.make = [0xC3, 0x28] }),
            ("overlong make", mutated { $0.make = [UInt8](repeating: 65, count: WireReader.maxStringBytes + 1) }),
        ]
        for (name, bytes) in cases {
            XCTAssertThrowsError(try DecoderResponse.read(bytes, maxPixels: maxPixels), name) { error in
                XCTAssertTrue(error is DecoderWireError, "\(name): \(error)")
            }
        }
    }

    /// Seeded byte flips of a valid answer never crash the reader: each either throws or reads as a valid answer.
    func testFlippedBytesNeverCrashTheReader() throws {
        let valid = DecoderResponse.raw(try decodedBayer()).bytes
        var generator = SeededGenerator(seed: 2024)
        for _ in 0 ..< 3000 {
            var bytes = valid
            for _ in 0 ..< 1 + Int(generator.next() % 3) {
                // Mostly in the preamble and header, where the structure is.
                let index = Int(generator.next() % UInt64(min(bytes.count, 160)))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            if case let .raw(image)? = try? DecoderResponse.read(bytes, maxPixels: maxPixels) {
                XCTAssertEqual(image.pixels.count, image.width * image.height)
                XCTAssertLessThanOrEqual(image.width * image.height, maxPixels)
            }
        }
    }

    // MARK: - Helpers

    private func response(tag: UInt8, header: [UInt8]) -> [UInt8] {
        var writer = WireWriter()
        writer.append(raw: DecoderResponse.magic)
        writer.append(tag)
        writer.append(UInt32(header.count))
        writer.append(raw: header)
        return writer.bytes
    }

    private func rawHeader(_ image: RawImage) -> [UInt8] {
        RawHeaderFields(image).bytes
    }
}

/// The fields of a raw answer's header, laid out as `DecoderResponse` writes them, for making bad ones.
private struct RawHeaderFields {
    var width, height, rawWidth, rawHeight, packedWidth, packedHeight: UInt32
    var make: [UInt8]
    var model: [UInt8]
    var cfa: [UInt8]
    var black: [Float]
    var white: Float
    var exposure: Double
    var iso: Double
    var aperture: Double
    var focalLength: Double
    var timestamp: Int64
    var lens: [UInt8]
    var flip: Int32 = 0
    var mosaic: [UInt8]

    init(_ image: RawImage) {
        let metadata = image.metadata
        width = UInt32(metadata.width)
        height = UInt32(metadata.height)
        rawWidth = UInt32(metadata.rawWidth)
        rawHeight = UInt32(metadata.rawHeight)
        packedWidth = UInt32(metadata.packedWidth)
        packedHeight = UInt32(metadata.packedHeight)
        make = Array(metadata.make.utf8)
        model = Array(metadata.model.utf8)
        cfa = Array(metadata.cfa.utf8)
        black = metadata.blackLevels
        white = metadata.whiteLevel
        exposure = metadata.exposureTime
        iso = metadata.iso
        aperture = metadata.aperture
        focalLength = metadata.focalLength
        timestamp = Int64(metadata.timestamp)
        lens = Array(metadata.lens.utf8)
        mosaic = [1, UInt8(CFAPattern.allCases.firstIndex(of: image.cfa)!)]
    }

    var bytes: [UInt8] {
        var writer = WireWriter()
        for value in [width, height, rawWidth, rawHeight, packedWidth, packedHeight] { writer.append(value) }
        for text in [make, model, cfa] {
            writer.append(UInt32(text.count))
            writer.append(raw: text)
        }
        writer.append(black)
        writer.append(white)
        writer.append(exposure)
        writer.append(iso)
        writer.append(aperture)
        writer.append(focalLength)
        writer.append(timestamp)
        writer.append(UInt32(lens.count))
        writer.append(raw: lens)
        writer.append(flip)
        writer.append(raw: mosaic)
        return writer.bytes
    }
}
