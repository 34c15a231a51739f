import Foundation
import SIDEngine
import SIDImage
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples
import SIDTestSupport
import XCTest

/// The PNG is upright by default (the raw's orientation applied exactly, for the U-Net and the baseline) and carries
/// the camera's metadata in an eXIf chunk unless asked not to.
final class OrientationMetadataTests: XCTestCase {
    static let tinyNetwork = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))
    static let width = 96, height = 64

    /// The same mosaic written with EXIF Orientation `orientation` (LibRaw flip: 3 -> 3, 6 -> 6, 8 -> 5).
    static func dng(orientation: UInt16) throws -> Data {
        let scene = try RawDecoder().decode(try SyntheticScene(seed: 5, width: width, height: height).makeDNG())
        return try DNGWriter.write(width: width, height: height, cfa: scene.cfa, blackLevels: scene.blackLevels,
                                   whiteLevel: scene.whiteLevel, pixels: scene.pixels, make: "Acme", model: "Turner",
                                   exposureTime: 0.01, iso: 6400, orientation: orientation)
    }

    /// An interleaved RGB image turned by hand, as a viewer honouring the EXIF orientation would show it.
    static func turned(_ samples: [Int], width: Int, height: Int, exif: UInt16) -> (samples: [Int], width: Int, height: Int) {
        var out: [Int] = []
        func pixel(_ row: Int, _ col: Int) -> ArraySlice<Int> { samples[(row * width + col) * 3 ..< (row * width + col) * 3 + 3] }
        switch exif {
        case 3: // 180
            for row in (0 ..< height).reversed() { for col in (0 ..< width).reversed() { out += pixel(row, col) } }
            return (out, width, height)
        case 6: // 90 clockwise: the output's first row is the input's first column, bottom to top.
            for col in 0 ..< width { for row in (0 ..< height).reversed() { out += pixel(row, col) } }
            return (out, height, width)
        case 8: // 90 counter-clockwise: the output's first row is the input's last column, top to bottom.
            for col in (0 ..< width).reversed() { for row in 0 ..< height { out += pixel(row, col) } }
            return (out, height, width)
        default:
            return (samples, width, height)
        }
    }

    func testUprightOutputIsTheSensorOutputTurnedPixelForPixel() throws {
        let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: Self.tinyNetwork])
        let enhancer = Enhancer(registry: registry, threads: 2)
        let plain = try Self.dng(orientation: 1)
        for model in [SIDModel.sony.rawValue, SIDModel.baselineName] {
            for bits in [8, 16] {
                let options = EnhanceOptions(ratio: .fixed(30), bits: bits, model: model)
                let reference = try PNGDecoder().decode(try enhancer.enhance(plain, options: options).image)
                for exif: UInt16 in [3, 6, 8] {
                    let raw = try Self.dng(orientation: exif)
                    let upright = try enhancer.enhance(raw, options: options)
                    let png = try PNGDecoder().decode(upright.image)
                    let expected = Self.turned(reference.samples.map(Int.init), width: reference.width,
                                               height: reference.height, exif: exif)
                    XCTAssertEqual([png.width, png.height], [expected.width, expected.height], "\(model) \(bits) \(exif)")
                    XCTAssertEqual([upright.width, upright.height], [expected.width, expected.height])
                    XCTAssertTrue(png.samples.map(Int.init) == expected.samples, "\(model), \(bits) bits, orientation \(exif)")
                    XCTAssertEqual(try Self.exifOrientation(upright.image), 1)

                    var sensorOptions = options
                    sensorOptions.geometry = .sensor
                    let sensor = try enhancer.enhance(raw, options: sensorOptions)
                    let sensorPNG = try PNGDecoder().decode(sensor.image)
                    XCTAssertTrue(sensorPNG.samples == reference.samples, "\(model) \(bits) sensor geometry, orientation \(exif)")
                    XCTAssertEqual(try Self.exifOrientation(sensor.image), exif, "a viewer is told how to turn it")

                    // The staged path the batch uses gives the same bytes.
                    let staged = try enhancer.encode(try enhancer.render(try enhancer.decode(raw, options: options)))
                    XCTAssertEqual(staged.image, upright.image)
                }
            }
        }
    }

    func testTheCameraMetadataIsInAnEXIfChunkUnlessStripped() throws {
        let enhancer = Enhancer(registry: ModelRegistry(networks: [:]))
        let raw = try Self.dng(orientation: 1)
        let kept = try enhancer.enhance(raw, options: EnhanceOptions(ratio: .fixed(20)))
        let exif = try XCTUnwrap(try Self.chunk("eXIf", in: kept.image))
        XCTAssertEqual(Array(exif.prefix(4)), [0x49, 0x49, 42, 0])
        let text = String(decoding: exif, as: UTF8.self)
        XCTAssertTrue(text.contains("Acme") && text.contains("Turner"), text)
        XCTAssertTrue(text.contains("sid (model baseline, ratio 20)"), text)
        let stripped = try enhancer.enhance(raw, options: EnhanceOptions(ratio: .fixed(20), metadata: .strip))
        XCTAssertNil(try Self.chunk("eXIf", in: stripped.image))
        XCTAssertEqual(try PNGDecoder().decode(stripped.image).text.first { $0.0 == "sid:model" }?.1, "baseline")
    }

    /// The data of the first chunk of `type`.
    static func chunk(_ type: String, in png: [UInt8]) throws -> [UInt8]? {
        var offset = 8
        while offset + 8 <= png.count {
            let length = png[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let name = String(decoding: png[offset + 4 ..< offset + 8], as: UTF8.self)
            if name == type { return Array(png[offset + 8 ..< offset + 8 + length]) }
            offset += 12 + length
        }
        return nil
    }

    /// EXIF Orientation (tag 274) from the eXIf chunk's IFD0, little-endian as sid writes it.
    static func exifOrientation(_ png: [UInt8]) throws -> UInt16? {
        guard let exif = try chunk("eXIf", in: png) else { return nil }
        func u16(_ at: Int) -> Int { Int(exif[at]) | Int(exif[at + 1]) << 8 }
        let ifd = u16(4)
        for entry in 0 ..< u16(ifd) where u16(ifd + 2 + entry * 12) == 274 {
            return UInt16(u16(ifd + 2 + entry * 12 + 8))
        }
        return nil
    }
}
