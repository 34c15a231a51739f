import ArgumentParser
import Dispatch
import Foundation
import SIDEngine
import SIDModel
import SIDNetwork
import SIDRaw
import SIDSamples

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a full A7S II frame (4256x2848 raw, 1424x2128 packed): decode, pack, forward, encode, per layer.",
        discussion: """
            By default a synthetic scene goes through the whole `sid enhance` path. With --input, only the network \
            runs, on packed planes from `sid pack` (or any float32 .npy [1, C, H, W]), writing float output as \
            other runtimes do: that is the figure bench/compare.sh sets beside ONNX Runtime and OpenVINO.
            """)

    static let defaultRawWidth = 4256
    static let defaultRawHeight = 2848

    @Option(help: "Timed runs after one warm-up run.")
    var runs: Int = 3

    @Option(help: "Synthetic raw width in pixels (packed width is half; default \(BenchCommand.defaultRawWidth)).")
    var rawWidth: Int?

    @Option(help: "Synthetic raw height in pixels (default \(BenchCommand.defaultRawHeight)).")
    var rawHeight: Int?

    @Option(help: "Packed float32 .npy [1, C, H, W] or [C, H, W] to run the network on instead of the synthetic scene.")
    var input: String?

    @Option(help: "With --input: write the last run's float output (before the clip to [0, 1]) as .npy [1, 3, sH, sW].")
    var saveOutput: String?

    @Option(help: ArgumentHelp(
        "Run this compiled copy of the kernels instead of the best one the CPU supports: \(KernelSelection.instructionSets.joined(separator: ", ")).",
        valueName: "copy"))
    var kernels: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var engine: EngineOptions

    struct Report: Codable {
        var model: String
        var weights: String
        /// The --input path, or "synthetic scene WxH" for the whole-path benchmark.
        var input: String
        var threads: Int
        /// The compiled copy of the C kernels this CPU runs: avx512, avx2 or portable.
        var kernels: String
        /// The convolutions computed by Winograd F(6x6), sorted.
        var winogradF6x6: [String]
        var packedHeight: Int
        var packedWidth: Int
        var runs: Int
        var gflop: Double
        var forwardMedianSeconds: Double
        /// Every timed run's forward seconds, in order.
        var forwardSeconds: [Double]
        var gflopPerSecond: Double
        /// Absent with --input, where there is nothing to decode, pack or encode.
        var stagesMedianSeconds: StageTimings?
        var totalMedianSeconds: Double?
        var peakRSSMegabytes: Double
        var layersMeanSeconds: [String: Double]
        var layerOrder: [String]
    }

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        if input != nil, rawWidth != nil || rawHeight != nil {
            throw ValidationError("--raw-width and --raw-height size the synthetic scene; --input brings its own size")
        }
        if saveOutput != nil, input == nil {
            throw ValidationError("--save-output needs --input (the synthetic scene's output is an 8-bit PNG)")
        }
        if let kernels, !KernelSelection.instructionSets.contains(kernels) {
            throw ValidationError("--kernels must be one of \(KernelSelection.instructionSets.joined(separator: ", ")), not '\(kernels)'")
        }
    }

    func run() throws {
        if let kernels {
            guard KernelSelection.use(kernels) else {
                throw ValidationError("--kernels \(kernels): this CPU cannot run the \(kernels) copy of the kernels "
                                      + "(it runs \(KernelSelection.instructionSet))")
            }
        }
        let report = try input.map(benchPacked) ?? benchScene()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report))
        }
    }

    /// The loaded network taking `channels` packed planes, or a synthetic one when no weights file is found.
    private func loadNetwork(channels: Int, for input: String) throws -> (name: String, network: UNet, weights: String) {
        let location = WeightsLocation(explicit: engine.weights)
        if location.files.isEmpty, let model = SIDModel.allCases.first(where: { $0.inputChannels == channels }) {
            return (model.rawValue, SyntheticWeights.model(SIDArchitecture(model: model), winograd: engine.winograd),
                    "synthetic (no weights file found; speed does not depend on the values)")
        }
        let networks = location.files.isEmpty ? [:] : try engine.makeRegistry().networks
        guard let (name, network) = networks.sorted(by: { $0.key < $1.key })
            .first(where: { $0.value.architecture.inChannels == channels }) else {
            throw ValidationError("\(input) has \(channels) planes but no loaded model takes \(channels) "
                                  + "(Bayer packs to 4, X-Trans to 9); loaded: \(networks.keys.sorted().joined(separator: ", "))")
        }
        return (name, network, location.files.joined(separator: ", "))
    }

    /// The whole `sid enhance` path on a synthetic Bayer scene.
    private func benchScene() throws -> Report {
        let (name, network, weightsLabel) = try loadNetwork(channels: 4, for: "the synthetic Bayer scene")
        let registry = ModelRegistry(networks: [name: network])
        let enhancer = Enhancer(registry: registry, threads: engine.threads)
        let width = rawWidth ?? Self.defaultRawWidth, height = rawHeight ?? Self.defaultRawHeight
        let raw = try SyntheticScene(seed: 1, width: width, height: height).makeDNG()
        let options = EnhanceOptions(ratio: .fixed(100), bits: 8, model: name)

        _ = try enhancer.enhance(raw, options: options)
        var stages: [StageTimings] = []
        let layers = LayerTimings()
        var packedHeight = 0, packedWidth = 0
        for _ in 0..<runs {
            let result = try raw.withUnsafeBytes { try enhancer.enhance($0, options: options, layerTimings: layers) }
            stages.append(result.timings)
            packedHeight = result.height / 2
            packedWidth = result.width / 2
        }
        var medians = StageTimings()
        medians.decode = Self.median(stages.map(\.decode))
        medians.pack = Self.median(stages.map(\.pack))
        medians.forward = Self.median(stages.map(\.forward))
        medians.encode = Self.median(stages.map(\.encode))
        let flops = network.architecture.flops(height: packedHeight, width: packedWidth)
        return Report(
            model: name, weights: weightsLabel, input: "synthetic scene \(width)x\(height)",
            threads: engine.threads, kernels: KernelSelection.instructionSet,
            winogradF6x6: network.winograd.f6x6Layers.sorted(), packedHeight: packedHeight, packedWidth: packedWidth, runs: runs,
            gflop: flops / 1e9, forwardMedianSeconds: medians.forward, forwardSeconds: stages.map(\.forward),
            gflopPerSecond: flops / 1e9 / medians.forward,
            stagesMedianSeconds: medians, totalMedianSeconds: Self.median(stages.map(\.total)),
            peakRSSMegabytes: PeakMemory.residentMegabytes(),
            layersMeanSeconds: layers.seconds.mapValues { $0 / Double(runs) }, layerOrder: layers.order)
    }

    /// The network alone on packed planes from a file, writing float output like the runtimes it is compared with.
    private func benchPacked(_ path: String) throws -> Report {
        let array: NPYArray
        do {
            array = try NPYArray(parsing: try CommandInput.read(path))
        } catch let error as NPYError {
            throw ValidationError("\(path): \(error)")
        }
        let shape = array.shape.count == 4 && array.shape[0] == 1 ? Array(array.shape.dropFirst()) : array.shape
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("\(path): the array has shape \(array.shape); packed planes are [1, C, H, W] or [C, H, W]")
        }
        let (channels, height, width) = (shape[0], shape[1], shape[2])
        let (name, network, weightsLabel) = try loadNetwork(channels: channels, for: path)
        let runner = UNetRunner(model: network, threads: engine.threads)
        let scale = network.architecture.scale
        var output = [Float](repeating: 0, count: 3 * scale * scale * height * width)
        func forward(_ layers: LayerTimings?) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try array.values.withUnsafeBufferPointer { packed in
                    try output.withUnsafeMutableBufferPointer {
                        try runner.run(input: packed, height: height, width: width, output: .float($0.baseAddress!), timings: layers)
                    }
                }
            } catch let error as UNetError {
                throw ValidationError("\(path): \(error)")
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }

        _ = try forward(nil)
        let layers = LayerTimings()
        let seconds = try (0..<runs).map { _ in try forward(layers) }
        if let saveOutput {
            try CommandInput.write(Self.planar(output, height: scale * height, width: scale * width).encoded(), to: saveOutput)
        }
        let flops = network.architecture.flops(height: height, width: width)
        let median = Self.median(seconds)
        return Report(
            model: name, weights: weightsLabel, input: path, threads: engine.threads, kernels: KernelSelection.instructionSet,
            winogradF6x6: network.winograd.f6x6Layers.sorted(), packedHeight: height, packedWidth: width, runs: runs,
            gflop: flops / 1e9, forwardMedianSeconds: median, forwardSeconds: seconds, gflopPerSecond: flops / 1e9 / median,
            stagesMedianSeconds: nil, totalMedianSeconds: nil, peakRSSMegabytes: PeakMemory.residentMegabytes(),
            layersMeanSeconds: layers.seconds.mapValues { $0 / Double(runs) }, layerOrder: layers.order)
    }

    /// Interleaved RGB rows to NCHW [1, 3, height, width], the layout of ONNX and PyTorch outputs.
    static func planar(_ interleaved: [Float], height: Int, width: Int) -> NPYArray {
        let plane = height * width
        let values = [Float](unsafeUninitializedCapacity: 3 * plane) { buffer, count in
            for pixel in 0..<plane {
                for channel in 0..<3 { buffer[channel * plane + pixel] = interleaved[3 * pixel + channel] }
            }
            count = 3 * plane
        }
        return NPYArray(shape: [1, 3, height, width], values: values)
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func table(_ r: Report) -> String {
        var lines = [
            "sid bench: \(r.model), weights \(r.weights)",
            "input \(r.input): packed \(r.packedWidth)x\(r.packedHeight), \(r.threads) threads, \(r.kernels) kernels, median of \(r.runs) runs",
            "Winograd F(6x6) on: \(r.winogradF6x6.isEmpty ? "no layer (F(4x4) everywhere)" : r.winogradF6x6.joined(separator: ", "))",
            String(format: "forward   %7.3f s   %.0f GFLOP -> %.1f GFLOP/s", r.forwardMedianSeconds, r.gflop, r.gflopPerSecond),
        ]
        if let stages = r.stagesMedianSeconds, let total = r.totalMedianSeconds {
            lines += [
                String(format: "decode    %7.3f s", stages.decode),
                String(format: "pack      %7.3f s", stages.pack),
                String(format: "encode    %7.3f s", stages.encode),
                String(format: "total     %7.3f s", total),
            ]
        } else {
            lines.append("decode, pack, encode: not run (--input is already packed; the output stays float)")
        }
        lines.append(String(format: "peak RSS  %7.0f MB", r.peakRSSMegabytes))
        lines.append("per layer (mean s per frame):")
        for name in r.layerOrder {
            lines.append("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: "%7.3f", r.layersMeanSeconds[name] ?? 0))
        }
        return lines.joined(separator: "\n")
    }
}
