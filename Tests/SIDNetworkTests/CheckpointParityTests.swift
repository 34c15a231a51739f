import Foundation
import SIDCheckpoint
import SIDNetwork
import SIDWeights
import XCTest

/// Checkpoints written by real torch.save, converted by `sid convert`'s converter, loaded from
/// safetensors and run: the output must be PyTorch's.
final class CheckpointParityTests: XCTestCase {
    func testConvertedPyTorchCheckpointsReproducePyTorchOutputs() throws {
        let cases = try ParityFixtures.cases().filter { $0.weights != "synthetic" }
        XCTAssertEqual(Set(cases.map(\.weights)), ["parity_w8.pth", "parity_w4_legacy.pth"])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sid-parity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        for testCase in cases {
            let output = directory.appendingPathComponent(testCase.name + ".safetensors").path
            let report = try CheckpointConverter.convert(
                checkpointAt: ParityFixtures.directory.appendingPathComponent(testCase.weights).path, to: output)
            XCTAssertEqual(report.width, testCase.width)
            XCTAssertEqual(report.sourceFormat.rawValue, testCase.weights.contains("legacy") ? "pytorch-legacy" : "pytorch-zip")

            let file = try WeightsFile(path: output)
            let architecture = try file.architecture()
            XCTAssertEqual(architecture, testCase.architecture)
            let model = try UNet(architecture: architecture) { name in file.tensor(name).map { ($0.shape, Array($0.values)) } }
            let result = try ParityFixtures.run(model, testCase, threads: 2)
            ParityFixtures.assertClose(result, try testCase.expected, testCase.name)
        }
    }
}
