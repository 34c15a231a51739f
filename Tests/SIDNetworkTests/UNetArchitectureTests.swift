import SIDNetwork
import SIDSamples
import XCTest

final class UNetArchitectureTests: XCTestCase {
    /// 7,760,268 in the authors' TensorFlow model, plus 480 transposed-conv biases in the PyTorch port.
    func testSonyModelHasThePublishedParameterCount() {
        XCTAssertEqual(UNetArchitecture.sony.parameterCount, 7_760_268 + 256 + 128 + 64 + 32)
        XCTAssertEqual(UNetArchitecture.sony.tensorShapes.count, 46)
        XCTAssertEqual(UNetArchitecture.sony.outChannels, 12)
        XCTAssertEqual(UNetArchitecture.fuji.outChannels, 27)
    }

    func testFullFrameCostsAbout1Point12Teraflop() {
        let flops = UNetArchitecture.sony.flops(height: 1424, width: 2128)
        XCTAssertEqual(flops / 1e12, 1.12, accuracy: 0.01)
    }

    func testArchitectureIsReadFromTensorShapes() throws {
        let shapes = Dictionary(uniqueKeysWithValues: UNetArchitecture.fuji.tensorShapes.map { ($0.name, $0.shape) })
        XCTAssertEqual(try UNet.inferArchitecture(shapes: shapes), .fuji)
        XCTAssertThrowsError(try UNet.inferArchitecture(shapes: [:]))
        var wrongOutput = shapes
        wrongOutput["conv10_1.weight"] = [13, 32, 1, 1]
        XCTAssertThrowsError(try UNet.inferArchitecture(shapes: wrongOutput))
        var extra = shapes
        extra["conv11.weight"] = [1]
        XCTAssertThrowsError(try UNet.inferArchitecture(shapes: extra)) { XCTAssertTrue("\($0)".contains("conv11"), "\($0)") }
    }

    func testMissingOrMisshapedTensorsAreRefusedByName() {
        let tensors = SyntheticWeights.tensors(for: UNetArchitecture(inChannels: 4, scale: 2, width: 4))
        let architecture = UNetArchitecture(inChannels: 4, scale: 2, width: 4)
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
