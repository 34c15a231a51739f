import SIDModel
import XCTest

final class SIDModelTests: XCTestCase {
    func testEachModelReadsOneMosaic() {
        XCTAssertEqual(SIDModel.sony.rawValue, "sid-sony")
        XCTAssertEqual(SIDModel.fuji.rawValue, "sid-fuji")
        XCTAssertEqual(SIDModel.sony.mosaic, .bayer)
        XCTAssertEqual(SIDModel.fuji.mosaic, .xTrans)
        for model in SIDModel.allCases {
            XCTAssertEqual(SIDModel(mosaic: model.mosaic), model)
        }
        XCTAssertEqual(SIDModel.Mosaic.xTrans.name, "Fuji X-Trans")
    }

    func testChannelsAndScale() {
        XCTAssertEqual([SIDModel.sony.inputChannels, SIDModel.sony.scale, SIDModel.sony.outputChannels], [4, 2, 12])
        XCTAssertEqual([SIDModel.fuji.inputChannels, SIDModel.fuji.scale, SIDModel.fuji.outputChannels], [9, 3, 27])
        XCTAssertEqual(SIDModel(inputChannels: 4, outputChannels: 12), .sony)
    }

    func testTheBaselineIsNoNetworkName() {
        XCTAssertEqual(SIDModel.baselineName, "baseline")
        XCTAssertNil(SIDModel(rawValue: SIDModel.baselineName))
    }
}
