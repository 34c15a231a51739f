import Foundation
@testable import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

/// Real camera raws (four cameras no one on this project wrote) against an independent LibRaw binding's figures.
final class RealRawTests: XCTestCase {
    func testDecodeAndPackMatchTheIndependentReference() throws {
        let reference = try RealRaws.reference()
        XCTAssertEqual(reference.files.count, 4)
        for (name, entry) in reference.files.sorted(by: { $0.key < $1.key }) {
            let image = try RawDecoder().decode(try RealRaws.data(name))
            XCTAssertEqual([image.width, image.height], entry.visible, name)
            XCTAssertEqual(image.whiteLevel, Float(entry.white), name)
            XCTAssertEqual(image.metadata.cfa, entry.cfa, name)
            // Black per 2x2 position from the visible origin; the reference's plane order starts at red.
            XCTAssertEqual(image.blackLevels.map { Int($0) }.sorted(), try XCTUnwrap(entry.plane_black).sorted(), name)
            for ratio in RealRaws.ratios {
                let packed = BayerPacker.pack(image, ratio: ratio)
                XCTAssertEqual([packed.width, packed.height], entry.packed, name)
                try RealRaws.assertPlanes(packed.values, name: name, entry: entry, ratio: ratio)
            }
        }
    }

    /// `sid info`'s levels are the packer's: read after unpacking (Canon CRW: 0/4095 in the header, 32/1023 used).
    func testMetadataReportsTheLevelsThePackerUses() throws {
        for name in try RealRaws.reference().files.keys.sorted() {
            let bytes = try RealRaws.data(name)
            let metadata = try RawDecoder().metadata(bytes)
            XCTAssertEqual(metadata, try RawDecoder().decode(bytes).metadata, name)
        }
        let canon = try RawDecoder().metadata(try RealRaws.data("Canon-PowerShot_G2-CRW_0304.CRW"))
        XCTAssertEqual(canon.blackLevels, [32, 32, 32, 32])
        XCTAssertEqual(canon.whiteLevel, 1023)
        XCTAssertEqual(canon.make, "Canon")
        XCTAssertEqual(canon.aperture, 4)
        XCTAssertEqual(canon.focalLength, 7)
        XCTAssertGreaterThan(canon.timestamp, 0)
        XCTAssertEqual(try RawDecoder().metadata(try RealRaws.data("Kodak-DC120-P003911.KDC")).whiteLevel, 510)
    }

    /// LibRaw 0.20.2 returns success for this CRW with 10 kB of garbage in its pixel data and only calls its
    /// data-error callback; the frame it makes is garbage.
    func testCorruptDataLibRawOnlyReportsByCallbackIsRefused() throws {
        var bytes = [UInt8](try RealRaws.data("Canon-PowerShot_G2-CRW_0304.CRW"))
        for index in 1_400_000 ..< 1_410_000 { bytes[index] = UInt8(truncatingIfNeeded: (index * 7919) >> 3) }
        for decode in [{ _ = try RawDecoder().decode(Data(bytes)) },
                       { _ = try BaselineRenderer().render(Data(bytes), ratio: .fixed(10)) }] {
            assertRawDecodingError(try decode()) { error in
                guard case .damagedImageData = error else { return XCTFail("unexpected \(error)") }
                XCTAssertEqual(error.httpStatusHint, 422)
                XCTAssertTrue(error.description.hasPrefix("the raw's image data is damaged or missing"), error.description)
            }
        }
    }

    /// A DNG whose second half of tiles reads zeros "decodes" to a half-empty frame.
    func testAFrameWithMissingTilesIsRefused() throws {
        var bytes = [UInt8](try RealRaws.data("Blackmagic-Pocket_Cinema_Camera_4K-Blackmagic.dng"))
        for index in bytes.count / 2 ..< bytes.count { bytes[index] = 0 }
        assertRawDecodingError(try RawDecoder().decode(Data(bytes))) { error in
            guard case .damagedImageData = error else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue(error.description.contains("parts of the image are missing"), error.description)
        }
    }

    func testAnAllConstantFrameIsRefused() throws {
        let width = 64, height = 48
        let flat = try Fixtures.dng(width: width, height: height, pixels: [UInt16](repeating: 0, count: width * height))
        for decode in [{ _ = try RawDecoder().decode(flat) }, { _ = try BaselineRenderer().render(flat, ratio: .fixed(10)) }] {
            assertRawDecodingError(try decode()) { error in
                XCTAssertEqual(error, .damagedImageData(reason: "every pixel reads 0: the file holds no image"))
            }
        }
        // A dark but real frame (noise around black) is not refused.
        XCTAssertNoThrow(try RawDecoder().decode(try Fixtures.dng(width: width, height: height)))
    }
}
