import Foundation
import SIDRaw
import SIDTestSupport
import SIDSamples
import XCTest

/// Decompression bombs and impossible sizes are refused from the TIFF header, before LibRaw allocates.
final class TIFFLayoutCheckTests: XCTestCase {
    private let check = TIFFLayoutCheck(maxPixels: 100_000_000)

    private func refusal(_ data: Data, _ check: TIFFLayoutCheck? = nil) -> RawDecodingError? {
        do {
            try data.withUnsafeBytes { try (check ?? self.check).check($0) }
            return nil
        } catch {
            return error as? RawDecodingError
        }
    }

    func testTheSharedTileBombIsRefused() throws {
        let bomb = HostileTIFF.bomb()
        print("bomb: \(bomb.count) bytes for 9984x9984 pixels")
        XCTAssertLessThan(bomb.count, 30_000)
        guard case let .truncatedOrCorrupt(reason)? = refusal(bomb) else { return XCTFail("accepted: \(String(describing: refusal(bomb)))") }
        XCTAssertTrue(reason.contains("share or overlap"), reason)
        XCTAssertEqual(RawDecodingError.truncatedOrCorrupt(reason: reason).httpStatusHint, 422)
        // And through the decoder, before LibRaw.
        XCTAssertThrowsError(try RawDecoder().decode(bomb)) { error in
            XCTAssertTrue("\(error)".contains("decompression bomb"), "\(error)")
        }
    }

    func testTilesWithTooFewBytesAreRefused() throws {
        guard case let .truncatedOrCorrupt(reason)? = refusal(HostileTIFF.bomb(sharedTile: false)) else {
            return XCTFail("accepted")
        }
        XCTAssertTrue(reason.contains("fewer than"), reason)
    }

    func testImpossibleSizesAreOutOfRangeNotUnknownCameras() throws {
        guard case .tooManyPixels(65535, 65535, 100_000_000)? = refusal(HostileTIFF.claimingSize(width: 65535, height: 65535)) else {
            return XCTFail("65535x65535")
        }
        // Sides whose product passes Int.max (3355443200 came from a mutated IFD in the soak) are refused, not a trap.
        for side in [3_355_443_200, Int(UInt32.max)] {
            let error = refusal(HostileTIFF.claimingSize(width: side, height: side))
            guard case .tooManyPixels(side, side, 100_000_000)? = error else { return XCTFail("\(side)x\(side)") }
            XCTAssertTrue("\(error!)".contains("\(side)x\(side) = more than \(Int.max) pixels"), "\(error!)")
        }
        for side in [0, 1] {
            guard case .tooSmall? = refusal(HostileTIFF.claimingSize(width: side, height: side)) else {
                return XCTFail("\(side)x\(side): \(String(describing: refusal(HostileTIFF.claimingSize(width: side, height: side))))")
            }
        }
        // The limit is the decoder's.
        XCTAssertNotNil(refusal(HostileTIFF.claimingSize(width: 3000, height: 3000, dataBytes: 18_000_000 / 8 + 1000),
                                TIFFLayoutCheck(maxPixels: 8_000_000)))
    }

    func testHonestFilesPass() throws {
        for scene in [SyntheticScene(seed: 1, width: 256, height: 192), SyntheticScene.fujiXTrans(seed: 2, width: 132, height: 132)] {
            XCTAssertNil(refusal(try scene.makeDNG()))
        }
        let real = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/sid-assets/raws/real")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: real.path)) ?? []
        for name in files where !name.hasSuffix(".tsv") {
            let data = try Data(contentsOf: real.appendingPathComponent(name))
            XCTAssertNil(refusal(data), name)
        }
        print("real raws checked: \(files.filter { !$0.hasSuffix(".tsv") })")
        XCTAssertNil(refusal(Data("not a tiff at all".utf8)))
    }
}
