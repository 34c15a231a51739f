import ArgumentParser
import Foundation
import SIDEngine

/// Options every command that runs the engine shares.
struct EngineOptions: ParsableArguments {
    @Option(help: "A converted weights file (repeatable). Default: SID_WEIGHTS, else weights/sid-sony.safetensors.")
    var weights: [String] = []

    @Option(help: "Compute threads per worker.")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be between 1 and 256") }
    }

    func makeRegistry() throws -> ModelRegistry {
        let location = WeightsLocation(explicit: weights)
        if let notice = location.notice { FileHandle.standardError.write(Data("note: \(notice)\n".utf8)) }
        do {
            return try ModelRegistry(weightFiles: location.files)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func makeEnhancer() throws -> Enhancer {
        Enhancer(registry: try makeRegistry(), threads: threads)
    }
}
