import Foundation
import SIDEngine
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples
import XCTest

final class ModelRegistryTests: XCTestCase {
    static let sony = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))
    static let fuji = SyntheticWeights.model(SIDArchitecture(model: .fuji, width: 4))
    static let both = ModelRegistry(networks: [SIDModel.sony.rawValue: sony, SIDModel.fuji.rawValue: fuji])

    static let bayerRaw = RawImage(width: 32, height: 32, cfa: .grbg, blackLevels: [0, 0, 0, 0], whiteLevel: 1000,
                                   pixels: Array(repeating: 10, count: 32 * 32))
    static let xTransRaw = RawImage(width: 48, height: 48, xTrans: .sidFuji, blackLevel: 0, whiteLevel: 1000,
                                    pixels: Array(repeating: 10, count: 48 * 48))

    private func engineError(_ body: () throws -> String) -> EngineError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? EngineError
        }
    }

    func testTheRawsSensorPicksTheModelWhenBothAreLoaded() throws {
        XCTAssertEqual(try Self.both.choose(nil, for: Self.bayerRaw), SIDModel.sony.rawValue)
        XCTAssertEqual(try Self.both.choose(nil, for: Self.xTransRaw), SIDModel.fuji.rawValue)
        XCTAssertEqual(SIDModel(mosaic: SIDModel.Mosaic(MosaicPattern.xTrans(.sidFuji))).rawValue, "sid-fuji")
        XCTAssertEqual(SIDModel(mosaic: SIDModel.Mosaic(MosaicPattern.bayer(.bggr))).rawValue, "sid-sony")
        // Asking by name for the model that fits, or for the baseline, is always fine.
        XCTAssertEqual(try Self.both.choose("sid-fuji", for: Self.xTransRaw), "sid-fuji")
        XCTAssertEqual(try Self.both.choose("baseline", for: Self.xTransRaw), "baseline")
    }

    func testAnXTransRawWithoutTheFujiModelSaysHowToGetIt() {
        let sonyOnly = ModelRegistry(networks: [SIDModel.sony.rawValue: Self.sony])
        guard case let .unusableRaw(text)? = engineError({ try sonyOnly.choose(nil, for: Self.xTransRaw) }) else {
            return XCTFail("expected unusableRaw (422)")
        }
        XCTAssertTrue(text.hasPrefix("this is a Fuji X-Trans raw; the sid-fuji model is not loaded"), text)
        XCTAssertTrue(text.contains("checkpoint/Fuji/model.ckpt"), text)
        XCTAssertTrue(text.contains("sid convert"), text)
        XCTAssertEqual(try sonyOnly.choose(nil, for: Self.bayerRaw), SIDModel.sony.rawValue)
    }

    func testABayerRawWithoutTheSonyModelSaysHowToGetIt() {
        let fujiOnly = ModelRegistry(networks: [SIDModel.fuji.rawValue: Self.fuji])
        guard case let .unusableRaw(text)? = engineError({ try fujiOnly.choose(nil, for: Self.bayerRaw) }) else {
            return XCTFail("expected unusableRaw (422)")
        }
        XCTAssertTrue(text.hasPrefix("this is a Bayer (GRBG) raw; the sid-sony model is not loaded"), text)
        XCTAssertTrue(text.contains("weights/sid-sony.safetensors"), text)
        XCTAssertEqual(try fujiOnly.choose(nil, for: Self.xTransRaw), SIDModel.fuji.rawValue)
    }

    func testWithNoSIDNetworkAtAllTheBaselineServesBothSensors() throws {
        let none = try ModelRegistry(weightFiles: [])
        XCTAssertEqual(try none.choose(nil, for: Self.xTransRaw), SIDModel.baselineName)
        XCTAssertEqual(try none.choose(nil, for: Self.bayerRaw), SIDModel.baselineName)
        guard case .modelUnavailable? = engineError({ try none.choose("sid-fuji", for: Self.xTransRaw) }) else {
            return XCTFail("expected modelUnavailable")
        }
    }

    func testAskingForTheOtherSensorsModelIsA422() {
        let wrongModel = engineError { try Self.both.choose("sid-sony", for: Self.xTransRaw) }
        guard case let .unusableRaw(text)? = wrongModel else { return XCTFail("\(String(describing: wrongModel))") }
        XCTAssertEqual(wrongModel?.httpStatus, 422)
        XCTAssertTrue(text.contains("model 'sid-sony' takes Bayer raws but this is a Fuji X-Trans raw"), text)
        XCTAssertTrue(text.contains("sid-fuji"), text)

        let wrongFuji = engineError { try Self.both.choose("sid-fuji", for: Self.bayerRaw) }
        guard case let .unusableRaw(fujiText)? = wrongFuji else { return XCTFail("\(String(describing: wrongFuji))") }
        XCTAssertTrue(fujiText.contains("model 'sid-fuji' takes Fuji X-Trans raws but this is a Bayer (GRBG) raw"),
                      fujiText)
    }

    func testNetworksUnderOtherNamesServeTheSensorTheirShapeFits() throws {
        let renamed = ModelRegistry(networks: ["fuji-finetuned": Self.fuji, "sony-finetuned": Self.sony])
        XCTAssertEqual(try renamed.choose(nil, for: Self.xTransRaw), "fuji-finetuned")
        XCTAssertEqual(try renamed.choose(nil, for: Self.bayerRaw), "sony-finetuned")
    }
}
