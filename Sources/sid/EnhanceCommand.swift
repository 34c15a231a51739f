import ArgumentParser
import Foundation
import SIDDecoderIsolation
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

    @Option(help: "Where LibRaw runs: isolated (a separate process: a file that crashes LibRaw ends in an error message) or in-process.")
    var decoder: String = DecoderMode.isolated.rawValue

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard DecoderMode(rawValue: decoder) != nil else {
            throw ValidationError("--decoder must be \(DecoderMode.choices)")
        }
    }

    /// Generous for one file on the user's own machine: a 100-megapixel baseline rendering takes about 10 s.
    static let decoderTimeoutSeconds: Int64 = 300

    func run() throws {
        let options: EnhanceOptions
        do {
            options = EnhanceOptions(ratio: try ExposureRatio.parse(ratio), bits: bits, model: model)
            try options.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        let bytes = try CommandInput.read(raw)
        let registry = try engine.makeRegistry()
        let maxPixels = 100_000_000
        let decoding: DecodingStrategy
        switch DecoderMode(rawValue: decoder) {
        case .inProcess?:
            decoding = .inProcess
        case .isolated?, nil:
            let memory = DecoderIsolation.memoryLimitSetting()
                ?? DecoderIsolation.defaultMemoryLimit(maxPixels: maxPixels, maxInputBytes: bytes.count)
            decoding = .isolated(.sidHelper(memoryLimitBytes: memory, timeout: .seconds(Self.decoderTimeoutSeconds)))
        }
        let enhancer = Enhancer(registry: registry, threads: engine.threads,
                                maxPixels: maxPixels, decoding: decoding)
        let result: EnhanceResult
        do {
            result = try enhancer.enhance(bytes, options: options)
        } catch let error as EngineError {
            throw ValidationError("\(raw): \(error)")
        }
        let target = output ?? (raw as NSString).deletingPathExtension + ".png"
        try CommandInput.write(Data(result.image), to: target)
        for warning in result.warnings { FileHandle.standardError.write(Data("note: \(warning)\n".utf8)) }
        let t = result.timings
        print(String(format: "wrote %@: %dx%d %d-bit, model %@, ratio %@%@ (decode %.2f s, pack %.2f s, forward %.2f s, encode %.2f s)",
                     target, result.width, result.height, result.bits, result.model, Enhancer.format(result.ratio),
                     result.ratioWasEstimated ? " (auto)" : "", t.decode, t.pack, t.forward, t.encode))
    }
}
