import Foundation
import SIDRaw
import SIDSamples
import XCTest

/// Inputs shared by the raw, isolation and samples tests: DNGs written on the fly and the optional shared assets.
public enum Fixtures {
    /// A file under `../shared` (see `SharedAssets`).
    public static func sharedFile(_ relativePath: String, file: StaticString = #filePath, line: UInt = #line) throws -> Data {
        try Data(contentsOf: SharedAssets.url(relativePath, file: file, line: line))
    }

    /// Deterministic pixel values spread over [0, white], including values below black.
    public static func pixels(width: Int, height: Int, white: Int, seed: UInt64 = 7) -> [UInt16] {
        var generator = SeededGenerator(seed: seed)
        return (0 ..< width * height).map { _ in UInt16(generator.next() % UInt64(white + 1)) }
    }

    public static func dng(width: Int = 64, height: Int = 48, cfa: CFAPattern = .rggb,
                    blackLevels: [Float] = [512, 512, 512, 512], whiteLevel: Float = 16383,
                    pixels: [UInt16]? = nil, make: String = "Acme", model: String = "Test Camera",
                    exposureTime: Double = 0.1, iso: Double = 3200) throws -> Data {
        try DNGWriter.write(
            width: width, height: height, cfa: cfa, blackLevels: blackLevels, whiteLevel: whiteLevel,
            pixels: pixels ?? Self.pixels(width: width, height: height, white: Int(whiteLevel)),
            make: make, model: model, exposureTime: exposureTime, iso: iso)
    }

    /// An X-Trans DNG; `pattern` is read from the visible origin.
    public static func xTransDNG(width: Int = 60, height: Int = 54, pattern: XTransPattern = .sidFuji,
                          blackLevel: Float = 1024, whiteLevel: Float = 16383, pixels: [UInt16]? = nil,
                          make: String = "Acme", model: String = "Trans 1") throws -> Data {
        try DNGWriter.write(
            width: width, height: height, xTrans: pattern, blackLevel: blackLevel, whiteLevel: whiteLevel,
            pixels: pixels ?? Self.pixels(width: width, height: height, white: Int(whiteLevel)),
            make: make, model: model, exposureTime: 0.1, iso: 3200)
    }

    /// A hand-built DNG for layouts DNGWriter does not make (linear, monochrome, X-Trans, odd CFAs, huge claims).
    public static func customDNG(width: Int, height: Int, photometric: UInt16, samplesPerPixel: Int = 1,
                          cfaRepeat: [UInt16]? = nil, cfaPattern: [UInt8]? = nil, stripByteCount: Int? = nil) -> Data {
        var entries: [TIFFEntry] = [
            .longs(254, [0]), .longs(256, [UInt32(width)]), .longs(257, [UInt32(height)]),
            .shorts(258, Array(repeating: 16, count: samplesPerPixel)), .shorts(259, [1]), .shorts(262, [photometric]),
            .ascii(271, "Acme"), .ascii(272, "Custom"), .shorts(277, [UInt16(samplesPerPixel)]),
            .longs(278, [UInt32(height)]), .shorts(284, [1]), .bytes(50706, [1, 4, 0, 0]), .longs(50717, [4095]),
            .signedRationals(50721, [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)]),
        ]
        if let cfaRepeat, let cfaPattern {
            entries.append(.shorts(33421, cfaRepeat))
            entries.append(.bytes(33422, cfaPattern))
        }
        let byteCount = stripByteCount ?? width * height * samplesPerPixel * 2
        let bytes = TIFFEncoder(mainEntries: entries, exifEntries: []).encode(stripByteCount: byteCount) { strip in
            for index in 0 ..< byteCount / 2 {
                strip.storeBytes(of: UInt16(100 + index % 1000).littleEndian, toByteOffset: index * 2, as: UInt16.self)
            }
        }
        return Data(bytes)
    }

    /// Fuji's X-Trans 6x6 layout (0 R, 1 G, 2 B), the X-T2's phase started one row down.
    public static let xTransPattern: [UInt8] = [
        1, 1, 0, 1, 1, 2,
        1, 1, 2, 1, 1, 0,
        2, 0, 1, 0, 2, 1,
        1, 1, 2, 1, 1, 0,
        1, 1, 0, 1, 1, 2,
        0, 2, 1, 2, 0, 1,
    ]
}

/// Asserts that `body` throws a `RawDecodingError` and hands it over for further checks.
public func assertRawDecodingError<T>(_ body: @autoclosure () throws -> T, file: StaticString = #filePath, line: UInt = #line,
                               _ check: (RawDecodingError) -> Void = { _ in }) {
    do {
        _ = try body()
        XCTFail("expected a RawDecodingError", file: file, line: line)
    } catch let error as RawDecodingError {
        check(error)
    } catch {
        XCTFail("expected a RawDecodingError, got \(type(of: error)): \(error)", file: file, line: line)
    }
}
