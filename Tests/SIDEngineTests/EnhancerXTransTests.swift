import Foundation
import SIDEngine
import SIDImage
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples
import SIDTestSupport
import XCTest

/// The Fuji X-Trans path through the engine: decode, 9-channel packing, the 3x network, the PNG.
final class EnhancerXTransTests: XCTestCase {
    /// 100x98 is not whole 6x6 blocks: the packer keeps 96x96, so the network's picture is 96x96.
    static let sample = try! SyntheticScene.fujiXTrans(seed: 3, width: 100, height: 98).makeDNG()
    static let bayerSample = try! SyntheticScene(seed: 3, width: 96, height: 80).makeDNG()
    static let sony = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))
    static let fuji = SyntheticWeights.model(SIDArchitecture(model: .fuji, width: 4))

    private func bothModels() -> ModelRegistry {
        ModelRegistry(networks: [SIDModel.sony.rawValue: Self.sony, SIDModel.fuji.rawValue: Self.fuji])
    }

    private func text(_ key: String, in png: [UInt8]) throws -> String? {
        try PNGDecoder().decode(png).text.first { $0.0 == key }?.1
    }

    /// The engine's PNG is exactly the Fuji network run on the X-Trans packing, quantised, in 8 and 16 bits.
    func testFujiPathEqualsXTransPackThenRun() throws {
        let enhancer = Enhancer(registry: bothModels(), threads: 2)
        let raw = try RawDecoder().decode(Self.sample)
        let packed = XTransPacker.pack(raw, ratio: 50)
        XCTAssertEqual([packed.channels, packed.height, packed.width], [9, 32, 32])
        var float = [Float](repeating: 0, count: 27 * packed.height * packed.width)
        try packed.values.withUnsafeBufferPointer { x in
            try float.withUnsafeMutableBufferPointer {
                try UNetRunner(model: Self.fuji).run(input: x, height: packed.height, width: packed.width,
                                                     output: .float($0.baseAddress!))
            }
        }
        for bits in [8, 16] {
            let result = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(50), bits: bits))
            XCTAssertEqual(result.model, SIDModel.fuji.rawValue)
            XCTAssertEqual(result.width, 3 * packed.width)
            XCTAssertEqual(result.height, 3 * packed.height)
            let png = try PNGDecoder().decode(Array(result.image))
            XCTAssertEqual([png.width, png.height], [96, 96])
            XCTAssertEqual(png.bitDepth, bits)
            XCTAssertEqual(png.text.first { $0.0 == "sid:model" }?.1, "sid-fuji")
            let top = Float(bits == 16 ? 65535 : 255)
            XCTAssertEqual(png.samples.count, float.count)
            for (i, value) in float.enumerated() where i % 7 == 0 {
                XCTAssertEqual(Int(png.samples[i]), Int((min(max(value, 0), 1) * top).rounded()),
                               "sample \(i), \(bits) bits")
            }
        }
        // The same enhancer still takes Bayer raws with the Sony model.
        let bayer = try enhancer.enhance(Self.bayerSample, options: EnhanceOptions(ratio: .fixed(50)))
        XCTAssertEqual(bayer.model, SIDModel.sony.rawValue)
        XCTAssertEqual([bayer.width, bayer.height], [96, 80])
    }

    func testAutoRatioIsEstimatedFromTheXTransPacking() throws {
        let enhancer = Enhancer(registry: bothModels())
        let result = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .auto))
        let raw = try RawDecoder().decode(Self.sample)
        XCTAssertTrue(result.ratioWasEstimated)
        XCTAssertEqual(result.ratio, ExposureRatio.estimate(for: raw))
        XCTAssertEqual(Double(result.ratio), ExposureRatio.autoTargetLevel / XTransPacker.normalisedMean(raw),
                       accuracy: Double(result.ratio) * 1e-4)
    }

    func testTheBaselineRendersXTransAtFullSize() throws {
        let none = Enhancer(registry: try ModelRegistry(weightFiles: []))
        let result = try none.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(50)))
        XCTAssertEqual(result.model, SIDModel.baselineName)
        XCTAssertEqual([result.width, result.height], [100, 98])
        XCTAssertTrue(result.warnings.contains { $0.contains("baseline") })
        XCTAssertEqual(try text("sid:model", in: result.image), "baseline")

        let asked = try Enhancer(registry: bothModels())
            .enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(50), bits: 16, model: "baseline"))
        XCTAssertEqual(asked.model, SIDModel.baselineName)
        XCTAssertEqual([asked.width, asked.height], [100, 98])
        XCTAssertTrue(asked.warnings.isEmpty, "\(asked.warnings)")
    }

    func testMissingOrMismatchedModelsAreTypedErrors() throws {
        let sonyOnly = Enhancer(registry: ModelRegistry(networks: [SIDModel.sony.rawValue: Self.sony]))
        XCTAssertThrowsError(try sonyOnly.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(10)))) {
            guard case let .unusableRaw(text)? = $0 as? EngineError else { return XCTFail("\($0)") }
            XCTAssertTrue(text.contains("Fuji X-Trans raw; the sid-fuji model is not loaded"), text)
        }
        let both = Enhancer(registry: bothModels())
        for (sample, model) in [(Self.sample, "sid-sony"), (Self.bayerSample, "sid-fuji")] {
            XCTAssertThrowsError(try both.enhance(sample, options: EnhanceOptions(ratio: .fixed(10), model: model))) {
                XCTAssertEqual(($0 as? EngineError)?.httpStatus, 422, "\($0)")
            }
        }
    }
}
