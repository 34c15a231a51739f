import Foundation
import SIDDecoderIsolation
import SIDEngine
import SIDImage
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples
import SIDTestSupport
import XCTest

final class EnhancerTests: XCTestCase {
    static let sample = try! SyntheticScene(seed: 3, width: 96, height: 80).makeDNG()
    static let tinyNetwork = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))

    func testWithoutWeightsTheBaselineMakesThePictureAndSaysSo() throws {
        let enhancer = Enhancer(registry: try ModelRegistry(weightFiles: []))
        let result = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .auto))
        XCTAssertEqual(result.model, SIDModel.baselineName)
        XCTAssertTrue(result.ratioWasEstimated)
        XCTAssertTrue((1...300).contains(result.ratio))
        XCTAssertTrue(result.warnings.contains { $0.contains("baseline") })
        let png = try PNGDecoder().decode(Array(result.image))
        XCTAssertEqual(png.width, result.width)
        XCTAssertEqual(png.height, result.height)
        XCTAssertEqual(png.width, 96)
        XCTAssertEqual(png.height, 80)
        XCTAssertEqual(png.text.first { $0.0 == "sid:model" }?.1, "baseline")
    }

    /// With an isolated decoder that cannot run, the request fails with the helper's problem, typed and 500.
    func testAnIsolatedDecoderThatCannotStartIsADecoderFailure() throws {
        let isolation = DecoderIsolation(command: ["/nonexistent/sid", "decode-helper"], memoryLimitBytes: 1 << 30,
                                         timeout: .seconds(5))
        let enhancer = Enhancer(registry: try ModelRegistry(weightFiles: []), decoding: .isolated(isolation))
        XCTAssertEqual(enhancer.decoding, .isolated(isolation))
        XCTAssertThrowsError(try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(10)))) { error in
            guard case let .decoderFailure(failure)? = error as? EngineError else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.decoderFailureKind, "malfunction")
            XCTAssertEqual((error as? EngineError)?.httpStatus, 500)
            XCTAssertTrue("\(error)".contains("cannot start /nonexistent/sid"), "\(error)")
        }
    }

    /// The engine's PNG is exactly the network run on the packed raw, quantised: nothing is lost
    /// between the stages, in 8 and 16 bits.
    func testNetworkPathEqualsPackThenRun() throws {
        let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: Self.tinyNetwork])
        let enhancer = Enhancer(registry: registry, threads: 2)
        let raw = try RawDecoder().decode(Self.sample)
        let packed = BayerPacker.pack(raw, ratio: 50)
        var float = [Float](repeating: 0, count: 12 * packed.height * packed.width)
        try packed.values.withUnsafeBufferPointer { x in
            try float.withUnsafeMutableBufferPointer {
                try UNetRunner(model: Self.tinyNetwork).run(input: x, height: packed.height, width: packed.width, output: .float($0.baseAddress!))
            }
        }
        for bits in [8, 16] {
            let result = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(50), bits: bits))
            XCTAssertEqual(result.model, SIDModel.sony.rawValue)
            XCTAssertEqual(result.width, 2 * packed.width)
            XCTAssertEqual(result.height, 2 * packed.height)
            let png = try PNGDecoder().decode(Array(result.image))
            XCTAssertEqual(png.bitDepth, bits)
            XCTAssertEqual(png.text.first { $0.0 == "sid:ratio" }?.1, "50")
            let top = Float(bits == 16 ? 65535 : 255)
            for (i, value) in float.enumerated() {
                XCTAssertEqual(Int(png.samples[i]), Int((min(max(value, 0), 1) * top).rounded()), "sample \(i), \(bits) bits")
                if i > 2000 { break }
            }
        }
    }

    func testRepeatedRequestsGiveIdenticalImagesAndKeepTheirBuffers() throws {
        let registry = ModelRegistry(networks: [SIDModel.sony.rawValue: Self.tinyNetwork])
        let enhancer = Enhancer(registry: registry)
        let first = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(100)))
        let bytes = enhancer.allocatedBytes
        let second = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(100)))
        XCTAssertEqual(first.image, second.image)
        XCTAssertEqual(enhancer.allocatedBytes, bytes)
    }

    func testBadRequestsAreTypedErrors() throws {
        let enhancer = Enhancer(registry: ModelRegistry(networks: [SIDModel.sony.rawValue: Self.tinyNetwork]))
        XCTAssertThrowsError(try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(10), bits: 12))) {
            XCTAssertEqual(($0 as? EngineError)?.httpStatus, 400)
        }
        XCTAssertThrowsError(try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(10), model: "sid-fuji"))) {
            guard case .modelUnavailable(let text)? = $0 as? EngineError else { return XCTFail("\($0)") }
            XCTAssertTrue(text.contains("sid-sony"), text)
        }
        let png = try [UInt8](repeating: 9, count: 12).withUnsafeBufferPointer {
            try PNGEncoder().encode(rgb8: $0, width: 2, height: 2, text: [])
        }
        XCTAssertThrowsError(try enhancer.enhance(Data(png), options: EnhanceOptions(ratio: .fixed(10)))) {
            XCTAssertEqual(($0 as? EngineError)?.httpStatus, 415)
        }
        XCTAssertThrowsError(try enhancer.enhance(Data(Self.sample.prefix(3000)), options: EnhanceOptions(ratio: .fixed(10)))) {
            XCTAssertNotNil($0 as? EngineError)
        }
    }

    func testAboveTheTrainedRatioAWarningIsGiven() throws {
        let enhancer = Enhancer(registry: ModelRegistry(networks: [SIDModel.sony.rawValue: Self.tinyNetwork]))
        let result = try enhancer.enhance(Self.sample, options: EnhanceOptions(ratio: .fixed(500)))
        XCTAssertTrue(result.warnings.contains { $0.contains("300") })
    }
}
