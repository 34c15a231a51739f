import Foundation
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

    /// Issue 15: the camera's exposure reaches the TIFF as an Exif IFD that an independent reader (exiftool) finds
    /// through IFD0's ExifIFD pointer; the image is unchanged by it and a file without EXIF has no such IFD.
    func testExposureGoesToAnExifIFDThatExiftoolReads() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/exiftool") else {
            throw XCTSkip("exiftool is not installed (scripts/ci/install-deps.sh installs libimage-exiftool-perl)")
        }
        let (width, height) = (40, 30)
        let samples = (0..<(width * height * 3)).map { UInt16(truncatingIfNeeded: $0 &* 40_503) }
        var exif = CameraExif()
        exif.exposureTime = 1.0 / 30
        exif.fNumber = 2.8
        exif.iso = 12_800
        exif.captureTime = 1_500_000_000
        exif.focalLength = 35
        exif.lens = "FE 35mm F1.4 ZA \u{e9}"
        let directory = try TemporaryDirectory()
        var read: [String: [String: Any]] = [:]
        for (name, camera) in [("with", Optional(exif)), ("without", nil)] {
            let tiff = try samples.withUnsafeBufferPointer {
                try TIFFEncoder().encode(rgb16: $0, width: width, height: height,
                                         text: [(.make, "SONY"), (.model, "ILCE-7SM2")], exif: camera)
            }
            let report = try PillowProbe.probe(tiff)
            XCTAssertEqual(report.width, width, name)
            XCTAssertEqual(report.bits, [16, 16, 16], name)
            let path = directory.path("\(name).tiff")
            try Data(tiff).write(to: URL(fileURLWithPath: path))
            let output = try Subprocess.run("/usr/bin/exiftool", ["-j", "-n", "-EXIF:all", path])
            XCTAssertEqual(output.status, 0, output.stderr)
            let tags = try XCTUnwrap((try JSONSerialization.jsonObject(with: output.stdoutData) as? [[String: Any]])?.first)
            XCTAssertEqual(tags["Make"] as? String, "SONY", name)
            XCTAssertEqual(tags["Orientation"] as? Int, 1, name)
            read[name] = tags
        }
        let tags = try XCTUnwrap(read["with"])
        // libtiff stores rationals through a float.
        XCTAssertEqual(tags["ExposureTime"] as? Double ?? 0, 1.0 / 30, accuracy: 1e-7)
        XCTAssertEqual(tags["FNumber"] as? Double ?? 0, 2.8, accuracy: 1e-6)
        XCTAssertEqual(tags["ISO"] as? Int, 12_800)
        XCTAssertEqual(tags["FocalLength"] as? Double, 35)
        XCTAssertEqual(tags["LensModel"] as? String, "FE 35mm F1.4 ZA ?", "7-bit ASCII, as in the PNG's EXIF")
        // The camera clock's local reading, as LibRaw's seconds mean it.
        let clock = DateFormatter()
        clock.dateFormat = "yyyy:MM:dd HH:mm:ss"
        clock.timeZone = .current
        clock.locale = Locale(identifier: "en_US_POSIX")
        XCTAssertEqual(tags["DateTimeOriginal"] as? String, clock.string(from: Date(timeIntervalSince1970: 1_500_000_000)))
        let bare = try XCTUnwrap(read["without"])
        for key in ["ExposureTime", "FNumber", "ISO", "DateTimeOriginal", "ExifVersion"] {
            XCTAssertNil(bare[key], "\(key) without EXIF")
        }
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
