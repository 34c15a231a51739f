import Foundation
@testable import SIDCheckpoint
import SIDModel
import SIDWeights
import SIDTestSupport
import XCTest

final class CheckpointConverterTests: XCTestCase {
    private var directory: TemporaryDirectory!
    private var output: String { directory.path("weights.safetensors") }

    override func setUpWithError() throws {
        directory = try TemporaryDirectory()
    }

    override func tearDown() {
        directory = nil
    }

    func testConvertsZipCheckpoint() throws {
        let source = WeightsFixtures.path("sony_w2_zip.pth")
        let report = try CheckpointConverter.convert(checkpointAt: source, to: output)
        XCTAssertEqual(report.sourceFormat, .pytorchZip)
        XCTAssertEqual(report.model, .sony)
        XCTAssertEqual(report.width, 2)
        XCTAssertEqual(report.tensorCount, 46)
        XCTAssertEqual(report.parameterCount, SIDArchitecture(model: .sony, width: 2).parameterCount)
        XCTAssertNil(report.recognisedCheckpoint)
        XCTAssertEqual(report.sourceSHA256, try SHA256.hex(ofFileAt: source))
        XCTAssertTrue(report.summary.contains("model sid-sony, width 2, 46 tensors"), report.summary)

        let file = try WeightsFile(path: output)
        XCTAssertEqual(report.outputSHA256, file.sha256)
        XCTAssertEqual(file.metadata, [
            "format": "sid-weights", "format_version": "1", "architecture": "sid-unet", "model": "sid-sony",
            "in_channels": "4", "out_channels": "12", "scale": "2", "width": "2", "source_format": "pytorch-zip",
            "source_file": "sony_w2_zip.pth", "source_sha256": report.sourceSHA256, "source_checkpoint": "unrecognised",
            "converter": "sid convert 1", "upconv_bias": "checkpoint",
        ])
        try assertFile(file, matches: "sony_w2_zip.pth")
    }

    func testConvertsLegacyWrappedHalfAndBFloatCheckpoints() throws {
        let cases: [(String, CheckpointFormat)] = [
            ("sony_w2_legacy.pth", .pytorchLegacy), ("sony_w1_wrapped.pth", .pytorchZip),
            ("sony_w1_float16.pth", .pytorchZip), ("sony_w1_bfloat16_legacy.pth", .pytorchLegacy),
        ]
        for (fixture, format) in cases {
            let report = try CheckpointConverter.convert(checkpointAt: WeightsFixtures.path(fixture), to: output)
            XCTAssertEqual(report.sourceFormat, format, fixture)
            let file = try WeightsFile(path: output)
            XCTAssertEqual(file.metadata["source_format"], format.rawValue)
            try assertFile(file, matches: fixture)
        }
    }

    func testConvertsFujiCheckpoint() throws {
        let report = try CheckpointConverter.convert(checkpointAt: WeightsFixtures.path("fuji_w1_zip.pth"), to: output)
        XCTAssertEqual(report.model, .fuji)
        XCTAssertEqual(report.width, 1)
        let file = try WeightsFile(path: output)
        XCTAssertEqual(file.metadata["model"], "sid-fuji")
        XCTAssertEqual(file.metadata["in_channels"], "9")
        XCTAssertEqual(file.metadata["out_channels"], "27")
        XCTAssertEqual(file.metadata["scale"], "3")
        try assertFile(file, matches: "fuji_w1_zip.pth")
    }

    func testConvertsTensorFlowBundleGivenAsPrefixIndexOrDataFile() throws {
        let prefix = directory.path("model.ckpt")
        let tf = TensorBundleFixtureWriter.sidModel(width: 8, inputChannels: 4, outputChannels: 12, seed: 8)
        try TensorBundleFixtureWriter.write(tf, prefix: prefix)
        let dataFile = prefix + ".data-00000-of-00001"

        for path in [prefix, prefix + ".index", dataFile] {
            let report = try CheckpointConverter.convert(checkpointAt: path, to: output)
            XCTAssertEqual(report.sourceFormat, .tensorflowBundle)
            XCTAssertEqual(report.sourceFile, dataFile)
            XCTAssertEqual(report.sourceSHA256, try SHA256.hex(ofFileAt: dataFile))
            XCTAssertEqual(report.width, 8)
            XCTAssertEqual(report.zeroFilledTensors, ["upv6.bias", "upv7.bias", "upv8.bias", "upv9.bias"])
        }
        let file = try WeightsFile(path: output)
        XCTAssertEqual(file.metadata["source_format"], "tensorflow-bundle")
        XCTAssertEqual(file.metadata["source_file"], "model.ckpt.data-00000-of-00001")
        XCTAssertEqual(file.metadata["upconv_bias"], "zero: the TensorFlow checkpoint has none")
        XCTAssertEqual(file.names.count, 46)

        // Spot-check one value per kind of move against index arithmetic (the full check is in TensorFlowTranslationTests).
        let source = Dictionary(uniqueKeysWithValues: tf.map { ($0.name, $0.values) })
        // conv2_1.weight [16, 8, 3, 3] at (out 5, in 3, y 2, x 1) comes from [3, 3, 8, 16] at (2, 1, 3, 5).
        let conv = try XCTUnwrap(file.tensor("conv2_1.weight"))
        let convSource = try XCTUnwrap(source["g_conv2_1/weights"])
        let convIndex: Int = 5 * 72 + 3 * 9 + 2 * 3 + 1, convSourceIndex: Int = 2 * 384 + 1 * 128 + 3 * 16 + 5
        XCTAssertEqual(conv.values[convIndex], convSource[convSourceIndex])
        // upv6.weight [128, 64, 2, 2] at (in 100, out 7, y 1, x 0) comes from Variable [2, 2, 64, 128] at (1, 0, 7, 100).
        let upv = try XCTUnwrap(file.tensor("upv6.weight"))
        let upvSource = try XCTUnwrap(source["Variable"])
        let upvIndex: Int = 100 * 256 + 7 * 4 + 1 * 2, upvSourceIndex: Int = 1 * 16384 + 7 * 128 + 100
        XCTAssertEqual(upv.values[upvIndex], upvSource[upvSourceIndex])
        // conv10_1.bias channel 4c + 2i + j comes from (2i + j) * 3 + c; here c = 2, i = 1, j = 0.
        let last = try XCTUnwrap(file.tensor("conv10_1.bias"))
        let lastSource = try XCTUnwrap(source["g_conv10/biases"])
        XCTAssertEqual(last.values[10], lastSource[8])
    }

    func testCorruptTensorFlowDataNamesTheTensor() throws {
        let prefix = directory.path("model.ckpt")
        try TensorBundleFixtureWriter.write(TensorBundleFixtureWriter.sidModel(width: 1, inputChannels: 4, outputChannels: 12, seed: 6), prefix: prefix)
        let entry = try XCTUnwrap(try TensorBundleIndex(contentsOf: prefix + ".index").entries.first { $0.name == "g_conv10/biases" })
        let dataURL = URL(fileURLWithPath: prefix + ".data-00000-of-00001")
        var data = try Data(contentsOf: dataURL)
        data[entry.offset] ^= 0x80
        try data.write(to: dataURL)
        XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: prefix, to: output)) { error in
            guard case CheckpointError.checksumMismatch(let tensor, _, _)? = error as? CheckpointError else { return XCTFail("\(error)") }
            XCTAssertEqual(tensor, "g_conv10/biases")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testIncompleteTensorFlowModelListsWhatIsMissing() throws {
        let prefix = directory.path("model.ckpt")
        let tensors = TensorBundleFixtureWriter.sidModel(width: 1, inputChannels: 4, outputChannels: 12, seed: 7)
            .filter { $0.name != "g_conv5_2/biases" }
        try TensorBundleFixtureWriter.write(tensors, prefix: prefix)
        XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: prefix, to: output)) { error in
            XCTAssertEqual(error as? CheckpointError, .architectureMismatch(["checked as sid-sony at width 1", "missing conv5_2.bias [16]"]))
        }
    }

    func testRefusals() throws {
        try? FileManager.default.removeItem(atPath: WeightsFixtures.forbiddenGlobalMarker)
        let expectations: [(String, CheckpointError)] = [
            ("forbidden_global_zip.pth", .forbiddenGlobal("os.system")),
            ("forbidden_global_legacy.pth", .forbiddenGlobal("posix.system")),
            ("sony_w1_float64.pth", .unsupportedDType(tensor: "conv1_1.weight", dtype: "float64")),
            ("pickle_protocol2.pkl", .unrecognisedCheckpoint(path: WeightsFixtures.path("pickle_protocol2.pkl"))),
            ("expected.json", .unrecognisedCheckpoint(path: WeightsFixtures.path("expected.json"))),
        ]
        for (fixture, expected) in expectations {
            XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: WeightsFixtures.path(fixture), to: output)) { error in
                XCTAssertEqual(error as? CheckpointError, expected, fixture)
            }
        }
        XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: WeightsFixtures.path("deflated.zip"), to: output)) { error in
            XCTAssertTrue("\(error)".contains("deflate"), "\(error)")
        }
        XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: directory.path("absent.pth"), to: output)) { error in
            guard case WeightsError.unreadableFile? = error as? WeightsError else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: WeightsFixtures.forbiddenGlobalMarker))
        XCTAssertFalse(FileManager.default.fileExists(atPath: output))
    }

    func testRefusesToOverwriteTheCheckpoint() throws {
        let copy = directory.path("copy.pth")
        try FileManager.default.copyItem(atPath: WeightsFixtures.path("sony_w1_wrapped.pth"), toPath: copy)
        XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: copy, to: copy))
        XCTAssertNoThrow(try PyTorchCheckpoint(path: copy))
    }

    func testBareIndexUnderAnotherNameIsExplained() throws {
        let prefix = directory.path("model.ckpt")
        try TensorBundleFixtureWriter.write(TensorBundleFixtureWriter.sidModel(width: 1, inputChannels: 4, outputChannels: 12, seed: 1), prefix: prefix)
        let renamed = directory.path("sony-index.bin")
        try FileManager.default.moveItem(atPath: prefix + ".index", toPath: renamed)
        XCTAssertThrowsError(try CheckpointConverter.convert(checkpointAt: renamed, to: output)) { error in
            XCTAssertTrue("\(error)".contains("is a TensorFlow index"), "\(error)")
        }
    }

    private func assertFile(_ file: WeightsFile, matches fixture: String, line: UInt = #line) throws {
        let tensors = try file.names.map { name in
            let view = try XCTUnwrap(file.tensor(name))
            return (name: name, shape: view.shape, values: Array(view.values))
        }
        try WeightsFixtures.assertMatchesExpected(tensors, fixture: fixture, line: line)
    }
}
