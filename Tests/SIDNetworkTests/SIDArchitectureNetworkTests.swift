import SIDModel
import SIDNetwork
import SIDSamples
import XCTest

final class SIDArchitectureNetworkTests: XCTestCase {
    /// 7,760,268 in the authors' TensorFlow model, plus 480 transposed-conv biases in the PyTorch port.
    func testSonyModelHasThePublishedParameterCount() {
        XCTAssertEqual(SIDArchitecture(model: .sony).parameterCount, 7_760_268 + 256 + 128 + 64 + 32)
        XCTAssertEqual(SIDArchitecture(model: .sony).tensorShapes.count, 46)
        XCTAssertEqual(SIDArchitecture(model: .sony).outChannels, 12)
        XCTAssertEqual(SIDArchitecture(model: .fuji).outChannels, 27)
    }

    func testFullFrameCostsAbout1Point12Teraflop() {
        let flops = SIDArchitecture(model: .sony).flops(height: 1424, width: 2128)
        XCTAssertEqual(flops / 1e12, 1.12, accuracy: 0.01)
    }

    func testArchitectureIsReadFromTensorShapes() throws {
        let shapes = Dictionary(uniqueKeysWithValues: SIDArchitecture(model: .fuji).tensorShapes.map { ($0.name, $0.shape) })
        XCTAssertEqual(try SIDArchitecture.identify(shapes: shapes), SIDArchitecture(model: .fuji))
        XCTAssertThrowsError(try SIDArchitecture.identify(shapes: [:]))
        var wrongOutput = shapes
        wrongOutput["conv10_1.weight"] = [13, 32, 1, 1]
        XCTAssertThrowsError(try SIDArchitecture.identify(shapes: wrongOutput))
        var extra = shapes
        extra["conv11.weight"] = [1]
        XCTAssertThrowsError(try SIDArchitecture.identify(shapes: extra)) { XCTAssertTrue("\($0)".contains("conv11"), "\($0)") }
    }

    func testMissingOrMisshapedTensorsAreRefusedByName() {
        let tensors = SyntheticWeights.tensors(for: SIDArchitecture(model: .sony, width: 4))
        let architecture = SIDArchitecture(model: .sony, width: 4)
        XCTAssertThrowsError(try UNet(architecture: architecture) { $0 == "upv7.bias" ? nil : tensors[$0] }) { error in
            XCTAssertEqual(error as? UNetError, .missingTensor("upv7.bias"))
        }
        XCTAssertThrowsError(try UNet(architecture: architecture) { name in
            name == "conv3_1.weight" ? ([16, 8, 3, 1], [Float](repeating: 0, count: 384)) : tensors[name]
        }) { error in
            XCTAssertEqual(error as? UNetError, .wrongShape(name: "conv3_1.weight", expected: [16, 8, 3, 3], found: [16, 8, 3, 1]))
        }
    }
}
