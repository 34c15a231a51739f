import ArgumentParser
import Foundation
import SIDEngine
import SIDNetwork

/// Options every command that runs the engine shares.
struct EngineOptions: ParsableArguments {
    @Option(help: "A converted weights file (repeatable). Default: SID_WEIGHTS, else weights/sid-sony.safetensors.")
    var weights: [String] = []

    @Option(help: "Compute threads per worker.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(name: .customLong("winograd-f6x6"), help: ArgumentHelp(
        "For measuring: the 3x3 convolutions computed by Winograd F(6x6) instead of F(4x4): all, none, or a "
            + "comma-separated list such as conv2_1,conv9_1 (default: \(Self.standardPlanText), the layers measured faster).",
        valueName: "layers"), transform: { try EngineOptions.winogradPlan($0) })
    var winograd: WinogradPlan = .standard

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
    }

    func makeRegistry() throws -> ModelRegistry {
        let location = WeightsLocation(explicit: weights)
        if let notice = location.notice { FileHandle.standardError.write(Data("note: \(notice)\n".utf8)) }
        do {
            return try ModelRegistry(weightFiles: location.files, winograd: winograd)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func makeEnhancer() throws -> Enhancer {
        Enhancer(registry: try makeRegistry(), threads: threads)
    }

    static let standardPlanText = WinogradPlan.standard.f6x6Layers.sorted().joined(separator: ",")

    static func winogradPlan(_ text: String) throws -> WinogradPlan {
        guard let plan = WinogradPlan(naming: text) else {
            throw ValidationError("--winograd-f6x6 takes all, none or a comma-separated list of the Winograd layers "
                                  + "(\(WinogradPlan.winogradLayers.joined(separator: ", "))), not '\(text)'")
        }
        return plan
    }
}
