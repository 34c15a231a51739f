import ArgumentParser
import Foundation
import SIDEngine
import SIDRaw

struct EnhanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enhance",
        abstract: "Turn a dark camera raw file into a bright PNG.")

    @Argument(help: "A camera raw file (ARW, DNG, ...).")
    var raw: String

    @Option(help: "Exposure ratio: a number in (0, 1000] (SID trained up to 300), or 'auto'.")
    var ratio: String

    @Option(help: "Bits per PNG sample: 8 or 16.")
    var bits: Int = 8

    @Option(help: "Model: sid-sony, sid-fuji or baseline (default: the SID model that fits the raw, else baseline).")
    var model: String?

    @Option(name: .shortAndLong, help: "Where to write the PNG (default: next to the raw, .png).")
    var output: String?

    @OptionGroup var engine: EngineOptions

    func run() throws {
        let options: EnhanceOptions
        do {
            options = EnhanceOptions(ratio: try ExposureRatio.parse(ratio), bits: bits, model: model)
            try options.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        let bytes = try CommandInput.read(raw)
        let enhancer = try engine.makeEnhancer()
        let result: EnhanceResult
        do {
            result = try enhancer.enhance(bytes, options: options)
        } catch let error as EngineError {
            throw ValidationError("\(raw): \(error)")
        }
        let target = output ?? (raw as NSString).deletingPathExtension + ".png"
        try CommandInput.write(result.png, to: target)
        for warning in result.warnings { FileHandle.standardError.write(Data("note: \(warning)\n".utf8)) }
        let t = result.timings
        print(String(format: "wrote %@: %dx%d %d-bit, model %@, ratio %@%@ (decode %.2f s, pack %.2f s, forward %.2f s, encode %.2f s)",
                     target, result.width, result.height, result.bits, result.model, Enhancer.format(result.ratio),
                     result.ratioWasEstimated ? " (auto)" : "", t.decode, t.pack, t.forward, t.encode))
    }
}
