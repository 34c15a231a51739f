import SIDModel
import XCTest

final class SIDArchitectureTests: XCTestCase {
    func testPublishedSonyModelSize() {
        let sony = SIDArchitecture(model: .sony)
        XCTAssertEqual(sony.width, 32)
        XCTAssertEqual(sony.parameterCountWithoutUpconvBias, 7_760_268)
        XCTAssertEqual(sony.parameterCount, 7_760_748)
        XCTAssertEqual(sony.tensorShapes.count, 46)
    }

    func testShapesFollowThePyTorchPort() {
        let shapes = Dictionary(uniqueKeysWithValues: SIDArchitecture(model: .sony, width: 32).tensorShapes.map { ($0.name, $0.shape) })
        XCTAssertEqual(shapes["conv1_1.weight"], [32, 4, 3, 3])
        XCTAssertEqual(shapes["conv5_2.weight"], [512, 512, 3, 3])
        XCTAssertEqual(shapes["upv6.weight"], [512, 256, 2, 2])
        XCTAssertEqual(shapes["upv6.bias"], [256])
        XCTAssertEqual(shapes["conv6_1.weight"], [256, 512, 3, 3])
        XCTAssertEqual(shapes["upv9.weight"], [64, 32, 2, 2])
        XCTAssertEqual(shapes["conv9_1.weight"], [32, 64, 3, 3])
        XCTAssertEqual(shapes["conv10_1.weight"], [12, 32, 1, 1])
        XCTAssertEqual(shapes["conv10_1.bias"], [12])
    }

    func testFujiModel() {
        let fuji = SIDArchitecture(model: .fuji)
        let shapes = Dictionary(uniqueKeysWithValues: fuji.tensorShapes.map { ($0.name, $0.shape) })
        XCTAssertEqual(shapes["conv1_1.weight"], [32, 9, 3, 3])
        XCTAssertEqual(shapes["conv10_1.weight"], [27, 32, 1, 1])
        // Five more input channels into conv1_1 (x 32 x 9) and fifteen more outputs of conv10 (x 33).
        XCTAssertEqual(fuji.parameterCount - SIDArchitecture(model: .sony).parameterCount, 5 * 32 * 9 + 15 * 33)
        XCTAssertEqual(SIDModel.fuji.scale, 3)
        XCTAssertEqual(SIDModel(inputChannels: 9, outputChannels: 27), .fuji)
        XCTAssertNil(SIDModel(inputChannels: 4, outputChannels: 27))
    }

    func testIdentifiesModelAndWidth() throws {
        for model in SIDModel.allCases {
            let expected = SIDArchitecture(model: model, width: 3)
            let shapes = Dictionary(uniqueKeysWithValues: expected.tensorShapes.map { ($0.name, $0.shape) })
            XCTAssertEqual(try SIDArchitecture.identify(shapes: shapes), expected)
        }
    }

    func testListsEveryProblem() {
        var shapes = Dictionary(uniqueKeysWithValues: SIDArchitecture(model: .sony, width: 2).tensorShapes.map { ($0.name, $0.shape) })
        shapes["conv5_2.bias"] = nil
        shapes["upv7.weight"] = [16, 8, 3, 3]
        shapes["bn1.running_mean"] = [2]
        XCTAssertThrowsError(try SIDArchitecture.identify(shapes: shapes)) { error in
            XCTAssertEqual(error as? SIDArchitecture.Mismatch, SIDArchitecture.Mismatch([
                "checked as sid-sony at width 2",
                "missing conv5_2.bias [32]",
                "upv7.weight has shape [16, 8, 3, 3], expected [16, 8, 2, 2]",
                "unexpected tensor bn1.running_mean [2]",
            ]))
        }
    }

    func testUnknownChannelCounts() {
        var shapes = Dictionary(uniqueKeysWithValues: SIDArchitecture(model: .sony, width: 2).tensorShapes.map { ($0.name, $0.shape) })
        shapes["conv10_1.weight"] = [3, 2, 1, 1]
        XCTAssertThrowsError(try SIDArchitecture.identify(shapes: shapes)) { error in
            XCTAssertTrue("\(error)".contains("4 input and 3 output channels match neither"), "\(error)")
        }
        XCTAssertThrowsError(try SIDArchitecture.identify(shapes: [:]))
    }

    func testLevelWidthsDoubleDownToTheBottom() {
        XCTAssertEqual(SIDArchitecture(model: .fuji).levelWidths, [32, 64, 128, 256, 512])
        XCTAssertEqual(SIDArchitecture(model: .sony, width: 3).levelWidths, [3, 6, 12, 24, 48])
    }

    func testMismatchSaysWhatIsWrong() {
        XCTAssertEqual("\(SIDArchitecture.Mismatch(["a", "b"]))", "the checkpoint is not a SID U-Net: a; b")
    }
}
