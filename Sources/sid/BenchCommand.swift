import ArgumentParser
import Foundation
import SIDEngine
import SIDNetwork
import SIDRaw

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a full A7S II frame (4256x2848 raw, 1424x2128 packed): decode, pack, forward, encode, per layer.")

    @Option(help: "Timed runs after one warm-up run.")
    var runs: Int = 3

    @Option(help: "Raw width in pixels (packed width is half).")
    var rawWidth: Int = 4256

    @Option(help: "Raw height in pixels.")
    var rawHeight: Int = 2848

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var engine: EngineOptions

    struct Report: Codable {
        var model: String
        var weights: String
        var threads: Int
        var maxTile: Int
        var packedHeight: Int
        var packedWidth: Int
        var runs: Int
        var gflop: Double
        var forwardMedianSeconds: Double
        var gflopPerSecond: Double
        var stagesMedianSeconds: StageTimings
        var totalMedianSeconds: Double
        var peakRSSMegabytes: Double
        var layersMeanSeconds: [String: Double]
        var layerOrder: [String]
    }

    func run() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        let location = WeightsLocation(explicit: engine.weights)
        let registry: ModelRegistry
        let weightsLabel: String
        if location.files.isEmpty {
            registry = ModelRegistry(networks: [ModelRegistry.sonyName: SyntheticWeights.model(.sony)])
            weightsLabel = "synthetic (no weights file found; speed does not depend on the values)"
        } else {
            registry = try engine.makeRegistry()
            weightsLabel = location.files.joined(separator: ", ")
        }
        let enhancer = Enhancer(registry: registry, threads: engine.threads, maxTile: engine.maxTile)
        let raw = try SyntheticScene(seed: 1, width: rawWidth, height: rawHeight).makeDNG()
        let options = EnhanceOptions(ratio: .fixed(100), bits: 8, model: ModelRegistry.sonyName)

        _ = try enhancer.enhance(raw, options: options)
        var stages: [StageTimings] = []
        let layers = LayerTimings()
        var last: EnhanceResult?
        for _ in 0..<runs {
            last = try raw.withUnsafeBytes { try enhancer.enhance($0, options: options, layerTimings: layers) }
            stages.append(last!.timings)
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        var medians = StageTimings()
        medians.decode = median(stages.map(\.decode))
        medians.pack = median(stages.map(\.pack))
        medians.forward = median(stages.map(\.forward))
        medians.encode = median(stages.map(\.encode))
        let packedHeight = last!.height / 2, packedWidth = last!.width / 2
        let flops = UNetArchitecture.sony.flops(height: packedHeight, width: packedWidth)
        let report = Report(
            model: ModelRegistry.sonyName, weights: weightsLabel, threads: engine.threads, maxTile: engine.maxTile,
            packedHeight: packedHeight, packedWidth: packedWidth, runs: runs,
            gflop: flops / 1e9, forwardMedianSeconds: medians.forward, gflopPerSecond: flops / 1e9 / medians.forward,
            stagesMedianSeconds: medians, totalMedianSeconds: median(stages.map(\.total)),
            peakRSSMegabytes: PeakMemory.residentMegabytes(),
            layersMeanSeconds: layers.seconds.mapValues { $0 / Double(runs) }, layerOrder: layers.order)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(Self.table(report))
        }
    }

    static func table(_ r: Report) -> String {
        var lines = [
            "sid bench: \(r.model), weights \(r.weights)",
            "packed \(r.packedWidth)x\(r.packedHeight), \(r.threads) threads, max tile \(r.maxTile), median of \(r.runs) runs",
            String(format: "forward   %7.3f s   %.0f GFLOP -> %.1f GFLOP/s", r.forwardMedianSeconds, r.gflop, r.gflopPerSecond),
            String(format: "decode    %7.3f s", r.stagesMedianSeconds.decode),
            String(format: "pack      %7.3f s", r.stagesMedianSeconds.pack),
            String(format: "encode    %7.3f s", r.stagesMedianSeconds.encode),
            String(format: "total     %7.3f s", r.totalMedianSeconds),
            String(format: "peak RSS  %7.0f MB", r.peakRSSMegabytes),
            "per layer (mean s per frame):",
        ]
        for name in r.layerOrder {
            lines.append("  " + name.padding(toLength: 16, withPad: " ", startingAt: 0)
                         + String(format: "%7.3f", r.layersMeanSeconds[name] ?? 0))
        }
        return lines.joined(separator: "\n")
    }
}
