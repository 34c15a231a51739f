import Foundation
@testable import sid
import SIDEngine
import SIDNetwork
import SIDSamples
import SIDTestSupport
import XCTest

/// `sid bench` in both modes: the synthetic scene through the whole path, and `--input` packed planes
/// through the network alone.
final class BenchCommandTests: XCTestCase {
    var sid: CommandRunner!
    var directory: URL { sid.workingDirectory }

    static let parityCheckpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SIDNetworkTests/Fixtures/parity_w8.pth").path

    override func setUpWithError() throws {
        sid = try CommandRunner()
    }

    override func tearDown() {
        sid = nil
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func json(_ outcome: CommandRunner.Outcome) throws -> [String: Any] {
        XCTAssertEqual(outcome.status, 0, outcome.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any], outcome.stdout)
    }

    /// The float output `UNetRunner` gives in-process for the same planes, as NCHW.
    private func reference(_ network: UNet, _ packed: NPYArray) throws -> NPYArray {
        let (height, width) = (packed.shape[2], packed.shape[3])
        let scale = network.architecture.scale
        var output = [Float](repeating: 0, count: 3 * scale * scale * height * width)
        try packed.values.withUnsafeBufferPointer { input in
            try output.withUnsafeMutableBufferPointer {
                try UNetRunner(model: network, threads: 1).run(input: input, height: height, width: width, output: .float($0.baseAddress!))
            }
        }
        return BenchCommand.planar(output, height: scale * height, width: scale * width)
    }

    func testPlanarTurnsInterleavedRowsIntoOnePlanePerColour() {
        // Two rows of two pixels: pixel p has colours 10p + c.
        let interleaved: [Float] = [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32]
        XCTAssertEqual(BenchCommand.planar(interleaved, height: 2, width: 2),
                       NPYArray(shape: [1, 3, 2, 2], values: [0, 10, 20, 30, 1, 11, 21, 31, 2, 12, 22, 32]))
    }

    func testSceneModeReportsEveryRunAndTheStages() throws {
        let report = try json(try sid.run(["bench", "--raw-width", "128", "--raw-height", "96", "--runs", "2", "--threads", "1", "--json"]))
        XCTAssertEqual(report["input"] as? String, "synthetic scene 128x96")
        XCTAssertEqual((report["forwardSeconds"] as? [Double])?.count, 2)
        let stages = try XCTUnwrap(report["stagesMedianSeconds"] as? [String: Double])
        XCTAssertGreaterThan(stages["decode"] ?? 0, 0)
        XCTAssertGreaterThan(report["totalMedianSeconds"] as? Double ?? 0, 0)
    }

    func testInputModeRunsTheNetworkAloneAndSavesItsFloatOutput() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "96", "--height", "64"]).status, 0)
        XCTAssertEqual(try sid.run(["pack", "dark.dng", "--ratio", "100", "-o", "packed.npy"]).status, 0)
        let outcome = try sid.run(["bench", "--input", "packed.npy", "--runs", "2", "--threads", "1", "--json",
                                   "--save-output", "out.npy"])
        let report = try json(outcome)
        XCTAssertEqual(report["input"] as? String, "packed.npy")
        XCTAssertEqual(report["model"] as? String, "sid-sony")
        XCTAssertEqual([report["packedWidth"] as? Int, report["packedHeight"] as? Int], [48, 32])
        let seconds = try XCTUnwrap(report["forwardSeconds"] as? [Double])
        XCTAssertEqual(seconds.count, 2)
        XCTAssertEqual(report["forwardMedianSeconds"] as? Double, seconds.sorted()[1])
        XCTAssertGreaterThan(report["peakRSSMegabytes"] as? Double ?? 0, 0)
        XCTAssertNil(report["stagesMedianSeconds"], "nothing is decoded, packed or encoded with --input")
        XCTAssertNil(report["totalMedianSeconds"])
        let layers = try XCTUnwrap(report["layerOrder"] as? [String])
        XCTAssertEqual(layers.first, "conv1_1")
        XCTAssertEqual(layers.count, (report["layersMeanSeconds"] as? [String: Double])?.count)

        let packed = try NPYArray(parsing: Data(contentsOf: URL(fileURLWithPath: path("packed.npy"))))
        let saved = try NPYArray(parsing: Data(contentsOf: URL(fileURLWithPath: path("out.npy"))))
        XCTAssertEqual(saved.shape, [1, 3, 64, 96])
        XCTAssertEqual(saved, try reference(SyntheticWeights.model(.init(model: .sony)), packed))
        XCTAssertTrue(saved.values.contains { $0 < 0 || $0 > 1 }, "the saved output is the network's, before the clip")

        let table = try sid.run(["bench", "--input", "packed.npy", "--runs", "1", "--threads", "1"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("decode, pack, encode: not run"), table.stdout)
        XCTAssertTrue(table.stdout.contains("conv10+shuffle"), table.stdout)
    }

    func testInputModeUsesTheGivenWeightsAndAcceptsThreeDimensionalArrays() throws {
        XCTAssertEqual(try sid.run(["convert", Self.parityCheckpoint, "--output", "w8.safetensors"]).status, 0)
        let planes = NPYArray(shape: [4, 32, 48], values: (0..<(4 * 32 * 48)).map { Float(($0 * 7919) % 1000) / 1000 })
        try planes.encoded().write(to: URL(fileURLWithPath: path("planes.npy")))
        let report = try json(try sid.run(["bench", "--input", "planes.npy", "--weights", "w8.safetensors", "--runs", "1",
                                           "--threads", "2", "--json", "--save-output", "out.npy"]))
        XCTAssertEqual(report["weights"] as? String, "w8.safetensors")
        let network = try XCTUnwrap(try ModelRegistry(weightFiles: [path("w8.safetensors")]).networks["sid-sony"])
        let saved = try NPYArray(parsing: Data(contentsOf: URL(fileURLWithPath: path("out.npy"))))
        let expected = try reference(network, NPYArray(shape: [1] + planes.shape, values: planes.values))
        XCTAssertEqual(saved.shape, expected.shape)
        let largest = zip(saved.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
        XCTAssertLessThan(largest, 1e-5, "2 threads may sum in another order than 1, nothing more")
    }

    func testKernelsOptionRunsTheNamedCopyAndRefusesOnesThisCPUCannotRun() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "96", "--height", "64"]).status, 0)
        XCTAssertEqual(try sid.run(["pack", "dark.dng", "--ratio", "100", "-o", "packed.npy"]).status, 0)
        let best = try json(try sid.run(["bench", "--input", "packed.npy", "--runs", "1", "--threads", "1", "--json",
                                         "--save-output", "best.npy"]))
        let bestCopy = try XCTUnwrap(best["kernels"] as? String)
        XCTAssertTrue(KernelSelection.instructionSets.contains(bestCopy), bestCopy)
        let expected = try NPYArray(parsing: Data(contentsOf: URL(fileURLWithPath: path("best.npy"))))
        var ran: [String] = []
        for copy in KernelSelection.instructionSets {
            let outcome = try sid.run(["bench", "--input", "packed.npy", "--runs", "1", "--threads", "1", "--json",
                                       "--kernels", copy, "--save-output", "\(copy).npy"])
            // The copies after the best one always run; the ones before it only on a CPU that has their instructions.
            guard outcome.status == 0 else {
                XCTAssertLessThan(KernelSelection.instructionSets.firstIndex(of: copy)!,
                                  KernelSelection.instructionSets.firstIndex(of: bestCopy)!, outcome.stderr)
                XCTAssertTrue(outcome.stderr.contains("cannot run the \(copy) copy"), outcome.stderr)
                continue
            }
            ran.append(copy)
            XCTAssertEqual(try json(outcome)["kernels"] as? String, copy)
            let table = try sid.run(["bench", "--input", "packed.npy", "--runs", "1", "--threads", "1", "--kernels", copy])
            XCTAssertTrue(table.stdout.contains("\(copy) kernels"), table.stdout)
            let saved = try NPYArray(parsing: Data(contentsOf: URL(fileURLWithPath: path("\(copy).npy"))))
            XCTAssertEqual(saved.shape, expected.shape)
            let largest = zip(saved.values, expected.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThan(largest, 1e-4, "\(copy) against \(bestCopy)")
        }
        XCTAssertTrue(ran.contains(bestCopy) && ran.contains("portable"), "\(ran)")
        try sid.assertRefuses(["bench", "--kernels", "sse9"], mentioning: "--kernels must be one of avx512, avx2, portable")
    }

    /// --winograd-f6x6 reaches the network built from synthetic weights and the one loaded from a file: the report
    /// names the layers, and the output moves by F(6x6)'s rounding, no more.
    func testWinogradOptionChoosesTheF6x6LayersAndRefusesOtherNames() throws {
        XCTAssertEqual(try sid.run(["sample", "dark.dng", "--width", "96", "--height", "64"]).status, 0)
        XCTAssertEqual(try sid.run(["pack", "dark.dng", "--ratio", "100", "-o", "packed.npy"]).status, 0)
        XCTAssertEqual(try sid.run(["convert", Self.parityCheckpoint, "--output", "w8.safetensors"]).status, 0)
        for weights in [[], ["--weights", "w8.safetensors"]] {
            var outputs: [String: [Float]] = [:]
            for (option, layers) in [(nil, WinogradPlan.standard.f6x6Layers.sorted()), ("none", []),
                                     ("all", WinogradPlan.winogradLayers.sorted()), ("conv9_2,conv2_2", ["conv2_2", "conv9_2"])] {
                let name = option ?? "standard"
                let report = try json(try sid.run(["bench", "--input", "packed.npy", "--runs", "1", "--threads", "1",
                                                   "--json", "--save-output", "\(name).npy"] + weights
                                                  + (option.map { ["--winograd-f6x6", $0] } ?? [])))
                XCTAssertEqual(report["winogradF6x6"] as? [String], layers, "\(name) \(weights)")
                outputs[name] = try NPYArray(parsing: Data(contentsOf: URL(fileURLWithPath: path("\(name).npy")))).values
            }
            let none = try XCTUnwrap(outputs["none"]), all = try XCTUnwrap(outputs["all"])
            let largest = zip(none, all).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertGreaterThan(largest, 0, "F(6x6) everywhere computed exactly what F(4x4) did: the option was not used")
            XCTAssertLessThan(largest, 1e-3, "F(6x6) rounds differently, it does not compute something else")
        }
        let table = try sid.run(["bench", "--input", "packed.npy", "--runs", "1", "--threads", "1", "--winograd-f6x6", "none"])
        XCTAssertTrue(table.stdout.contains("Winograd F(6x6) on: no layer"), table.stdout)
        for bad in ["conv1_1", "conv2_1,bogus", ""] {
            try sid.assertRefuses(["bench", "--winograd-f6x6", bad], mentioning: "--winograd-f6x6 takes all, none or")
        }
    }

    func testInputMistakesGiveAReadableErrorAndAFailingStatus() throws {
        try Data("not numpy".utf8).write(to: URL(fileURLWithPath: path("text.npy")))
        try NPYArray(shape: [1, 3, 32, 32], values: Array(repeating: 0, count: 3 * 32 * 32)).encoded()
            .write(to: URL(fileURLWithPath: path("three.npy")))
        try NPYArray(shape: [32, 32], values: Array(repeating: 0, count: 32 * 32)).encoded()
            .write(to: URL(fileURLWithPath: path("flat.npy")))
        for (arguments, needle) in [
            (["bench", "--input", "missing.npy"], "missing.npy"),
            (["bench", "--input", "text.npy"], "not a numpy .npy file"),
            (["bench", "--input", "three.npy"], "3 planes"),
            (["bench", "--input", "flat.npy"], "[1, c, h, w]"),
            (["bench", "--input", "flat.npy", "--raw-width", "512"], "--input brings its own size"),
            (["bench", "--save-output", "out.npy"], "needs --input"),
            (["bench", "--runs", "0"], "--runs"),
        ] {
            try sid.assertRefuses(arguments, mentioning: needle)
        }
    }
}
