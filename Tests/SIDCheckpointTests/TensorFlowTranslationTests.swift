import Foundation
@testable import SIDCheckpoint
import SIDModel
import SIDTestSupport
import XCTest

final class TensorFlowTranslationTests: XCTestCase {
    func testPixelShuffleOrder() throws {
        // PyTorch channel p = 4c + 2i + j takes TensorFlow channel (2i + j) * 3 + c.
        XCTAssertEqual(try TensorFlowTranslation.pixelShuffleOrder(channels: 12, tensor: "t"), [0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11])
        let fuji = try TensorFlowTranslation.pixelShuffleOrder(channels: 27, tensor: "t")
        XCTAssertEqual(fuji[9 * 1 + 3 * 2 + 1], (3 * 2 + 1) * 3 + 1)
        XCTAssertEqual(Set(fuji), Set(0 ..< 27))
        XCTAssertThrowsError(try TensorFlowTranslation.pixelShuffleOrder(channels: 13, tensor: "t"))
    }

    func testSonyTranslationMovesEveryValueToItsPyTorchPlace() throws {
        try checkTranslation(width: 8, inputChannels: 4, outputChannels: 12)
    }

    func testFujiTranslation() throws {
        try checkTranslation(width: 2, inputChannels: 9, outputChannels: 27)
    }

    func testUnknownVariablesAreReported() throws {
        let directory = try TemporaryDirectory()
        var tensors = TensorBundleFixtureWriter.sidModel(width: 1, inputChannels: 4, outputChannels: 12, seed: 9)
        tensors.append(.init(name: "discriminator/weights", shape: [1], values: [1]))
        try TensorBundleFixtureWriter.write(tensors, prefix: directory.path("model.ckpt"))
        XCTAssertThrowsError(try TensorFlowTranslation.stateDict(from: try TensorBundle(prefix: directory.path("model.ckpt")))) { error in
            XCTAssertTrue("\(error)".contains("discriminator/weights"), "\(error)")
        }
    }

    /// Checks each PyTorch value against its TensorFlow source with index arithmetic written out here.
    private func checkTranslation(width: Int, inputChannels: Int, outputChannels: Int) throws {
        let directory = try TemporaryDirectory()
        let tf = TensorBundleFixtureWriter.sidModel(width: width, inputChannels: inputChannels, outputChannels: outputChannels, seed: 42)
        try TensorBundleFixtureWriter.write(tf, prefix: directory.path("model.ckpt"))
        let result = try TensorFlowTranslation.stateDict(from: try TensorBundle(prefix: directory.path("model.ckpt")))
        let source = Dictionary(uniqueKeysWithValues: tf.map { ($0.name, $0) })
        let target = Dictionary(uniqueKeysWithValues: result.tensors.map { ($0.name, $0) })
        XCTAssertEqual(result.zeroFilled, ["upv6.bias", "upv7.bias", "upv8.bias", "upv9.bias"])
        let model = try XCTUnwrap(SIDModel(inputChannels: inputChannels, outputChannels: outputChannels))
        XCTAssertEqual(try SIDArchitecture.identify(shapes: target.mapValues(\.shape)), SIDArchitecture(model: model, width: width))

        let scale = model.scale
        for (name, tensor) in target {
            let layer = String(name.prefix { $0 != "." })
            if name.hasPrefix("upv") {
                if name.hasSuffix(".bias") {
                    XCTAssertTrue(tensor.values.allSatisfy { $0 == 0 }, name)
                    continue
                }
                let variable = ["upv6": "Variable", "upv7": "Variable_1", "upv8": "Variable_2", "upv9": "Variable_3"][layer]!
                let tfTensor = try XCTUnwrap(source[variable])
                let (kh, kw, outputs, inputs) = (tfTensor.shape[0], tfTensor.shape[1], tfTensor.shape[2], tfTensor.shape[3])
                XCTAssertEqual(tensor.shape, [inputs, outputs, kh, kw])
                var mismatches = 0
                for i in 0 ..< inputs { for o in 0 ..< outputs { for y in 0 ..< kh { for x in 0 ..< kw {
                    if tensor.values[((i * outputs + o) * kh + y) * kw + x] != tfTensor.values[((y * kw + x) * outputs + o) * inputs + i] {
                        mismatches += 1
                    }
                } } } }
                XCTAssertEqual(mismatches, 0, name)
                continue
            }
            let tfLayer = layer == "conv10_1" ? "conv10" : layer
            // PyTorch output channel -> TensorFlow output channel: identity except for the pixel shuffle.
            func sourceChannel(_ p: Int) -> Int {
                guard layer == "conv10_1" else { return p }
                let (c, i, j) = (p / (scale * scale), (p / scale) % scale, p % scale)
                return (scale * i + j) * 3 + c
            }
            if name.hasSuffix(".bias") {
                let tfTensor = try XCTUnwrap(source["g_\(tfLayer)/biases"])
                XCTAssertEqual(tensor.values, (0 ..< tensor.values.count).map { tfTensor.values[sourceChannel($0)] }, name)
                continue
            }
            let tfTensor = try XCTUnwrap(source["g_\(tfLayer)/weights"])
            let (kh, kw, inputs, outputs) = (tfTensor.shape[0], tfTensor.shape[1], tfTensor.shape[2], tfTensor.shape[3])
            XCTAssertEqual(tensor.shape, [outputs, inputs, kh, kw], name)
            var mismatches = 0
            for o in 0 ..< outputs { for i in 0 ..< inputs { for y in 0 ..< kh { for x in 0 ..< kw {
                if tensor.values[((o * inputs + i) * kh + y) * kw + x] != tfTensor.values[((y * kw + x) * inputs + i) * outputs + sourceChannel(o)] {
                    mismatches += 1
                }
            } } } }
            XCTAssertEqual(mismatches, 0, name)
        }
    }
}
