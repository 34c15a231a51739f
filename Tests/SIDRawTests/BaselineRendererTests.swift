import Foundation
@testable import SIDRaw
import SIDTestSupport
@testable import SIDSamples
import XCTest

final class BaselineRendererTests: XCTestCase {
    private func meanRGB(_ image: RGBImage16) -> [Double] {
        var sums = [0.0, 0.0, 0.0]
        for (index, value) in image.pixels.enumerated() { sums[index % 3] += Double(value) }
        return sums.map { $0 / Double(image.width * image.height) }
    }

    func testRendersASampleAtFullSize() throws {
        let dng = try SyntheticScene(width: 160, height: 120).makeDNG()
        let image = try BaselineRenderer().render(dng, ratio: .fixed(50)).image
        XCTAssertEqual(image.width, 160)
        XCTAssertEqual(image.height, 120)
        XCTAssertEqual(image.pixels.count, 160 * 120 * 3)
        let mean = meanRGB(image).reduce(0, +) / 3
        XCTAssertGreaterThan(mean, 5000, "a 50x brightened sample should not be black")
        XCTAssertLessThan(mean, 65000, "a 50x brightened sample should not be white")
    }

    func testAHigherRatioIsBrighter() throws {
        let dng = try SyntheticScene(width: 128, height: 96).makeDNG()
        let dim = meanRGB(try BaselineRenderer().render(dng, ratio: .fixed(10)).image)
        let bright = meanRGB(try BaselineRenderer().render(dng, ratio: .fixed(100)).image)
        for channel in 0 ..< 3 {
            XCTAssertGreaterThan(bright[channel], dim[channel] * 1.5, "channel \(channel)")
        }
    }

    func testNeutralPatchStaysNeutralWithCameraWhiteBalance() throws {
        // Grey in the camera's daylight proportions (AsShotNeutral), a quarter of the way to white after 4x.
        for (make, model) in [("Acme", "Grey 1"), ("Sony", "ILCE-7SM2")] {
            let width = 64, height = 64, black: Float = 512, white: Float = 16383
            let pixels = (0 ..< width * height).map { index -> UInt16 in
                let neutral: Double
                switch CFAPattern.rggb.colour(row: index / width, col: index % width) {
                case .red: neutral = DNGWriter.asShotNeutral[0]
                case .green: neutral = DNGWriter.asShotNeutral[1]
                case .blue: neutral = DNGWriter.asShotNeutral[2]
                }
                return UInt16((Double(black) + 0.0625 * neutral * Double(white - black)).rounded())
            }
            let dng = try DNGWriter.write(
                width: width, height: height, cfa: .rggb, blackLevels: [black, black, black, black],
                whiteLevel: white, pixels: pixels, make: make, model: model, exposureTime: 0.1, iso: 100)
            let rgb = meanRGB(try BaselineRenderer().render(dng, ratio: .fixed(4)).image)
            let grey = rgb.reduce(0, +) / 3
            for channel in 0 ..< 3 {
                XCTAssertEqual(rgb[channel], grey, accuracy: grey * 0.03, "\(model) channel \(channel): \(rgb)")
            }
            // A quarter of white (0.0625 x 4) on the sRGB curve is about 0.537.
            XCTAssertEqual(grey / 65535, 0.537, accuracy: 0.03, "\(model)")
        }
    }

    func testRefusesWhatTheDecoderRefuses() throws {
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 64))
        assertRawDecodingError(try BaselineRenderer().render(png, ratio: .fixed(10)).image) { error in
            XCTAssertEqual(error.httpStatusHint, 415)
        }
        let dng = try Fixtures.dng(width: 40, height: 40)
        assertRawDecodingError(try BaselineRenderer(maxPixels: 100).render(dng, ratio: .fixed(10)).image) { error in
            XCTAssertEqual(error, .tooManyPixels(width: 40, height: 40, limit: 100))
        }
        for ratio: Float in [0, -1, .nan, .infinity, 1001] {
            XCTAssertThrowsError(try BaselineRenderer().render(dng, ratio: .fixed(ratio)).image) { error in
                XCTAssertTrue(error is ExposureRatioError, "\(error)")
            }
        }
    }

    func testRendersXTransAtFullSizeWithEitherDemosaic() throws {
        // Under 512 pixels a side LibRaw 0.20 cannot run Markesteijn, so VNG demosaics; from 512 on, Markesteijn.
        for (width, height) in [(96, 90), (516, 512)] {
            let dng = try SyntheticScene.fujiXTrans(width: width, height: height).makeDNG()
            let image = try BaselineRenderer().render(dng, ratio: .fixed(50)).image
            XCTAssertEqual([image.width, image.height], [width, height])
            XCTAssertEqual(image.pixels.count, width * height * 3)
            let mean = meanRGB(image).reduce(0, +) / 3
            XCTAssertGreaterThan(mean, 5000, "\(width)x\(height)")
            XCTAssertLessThan(mean, 65000, "\(width)x\(height)")
        }
        XCTAssertEqual(BaselineRenderer.demosaicQuality(.xTrans(.sidFuji), width: 511, height: 4000), 1)
        XCTAssertEqual(BaselineRenderer.demosaicQuality(.xTrans(.sidFuji), width: 512, height: 512), 2)
        XCTAssertEqual(BaselineRenderer.demosaicQuality(.bayer(.rggb), width: 64, height: 64), 3)
    }

    func testNeutralPatchStaysNeutralOnXTrans() throws {
        // The X-T2 is told black 1024 whatever its file says; another X-Trans body uses the file's levels.
        for (make, model, fileBlack, black) in [("FUJIFILM", "X-T2", Float(900), Float(1024)),
                                                ("Acme", "Trans 2", 700, 700)] {
            let width = 96, height = 96, white: Float = 16383
            let neutral = CameraColour.fujiXT2.asShotNeutral
            let pixels = (0 ..< width * height).map { index -> UInt16 in
                let share: Double
                switch XTransPattern.sidFuji.colour(row: index / width, col: index % width) {
                case .red: share = neutral[0]
                case .green: share = neutral[1]
                case .blue: share = neutral[2]
                }
                return UInt16((Double(black) + 0.0625 * share * Double(white - black)).rounded())
            }
            let dng = try Fixtures.xTransDNG(width: width, height: height, blackLevel: fileBlack, whiteLevel: white,
                                             pixels: pixels, make: make, model: model)
            let rgb = meanRGB(try BaselineRenderer().render(dng, ratio: .fixed(4)).image)
            let grey = rgb.reduce(0, +) / 3
            for channel in 0 ..< 3 {
                XCTAssertEqual(rgb[channel], grey, accuracy: grey * 0.03, "\(model) channel \(channel): \(rgb)")
            }
            XCTAssertEqual(grey / 65535, 0.537, accuracy: 0.03, "\(model)")
        }
    }

    /// `auto` is estimated from the mosaic the rendering itself unpacked: the same ratio a separate decode gives.
    func testAutoIsEstimatedFromTheRenderingsOwnDecode() throws {
        let dng = try SyntheticScene(seed: 4, width: 96, height: 64).makeDNG()
        let raw = try RawDecoder().decode(dng)
        let rendering = try BaselineRenderer().render(dng, ratio: .auto)
        XCTAssertEqual(rendering.ratio, ExposureRatio.estimate(for: raw))
        XCTAssertEqual(rendering.metadata, raw.metadata)
        XCTAssertEqual(rendering.mosaic, raw.mosaic)
        XCTAssertEqual(rendering.image.pixels, try BaselineRenderer().render(dng, ratio: .fixed(rendering.ratio)).image.pixels)
        XCTAssertGreaterThanOrEqual(rendering.renderSeconds, 0)
    }
}
