import ArgumentParser
import Foundation
import SIDEngine
import SIDImage
import SIDModel
import SIDRaw
import SIDSamples

struct EnhanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enhance",
        abstract: "Turn dark camera raw files into bright PNGs (or JPEG, TIFF): one file, several, or folders of them.",
        discussion: """
            Each PNG is upright (the camera's orientation applied; --orientation sensor keeps the sensor's \
            geometry) and carries the camera's metadata in an eXIf chunk (--strip-metadata leaves only sid's text \
            chunks). With several files or a folder, decoding and encoding of neighbouring files overlap the \
            network's work; a file that fails is reported and skipped, existing PNGs are kept unless --overwrite, \
            and the exit status is 65 if any file failed (64 is kept for command-line mistakes).
            --format jpeg (8-bit, --quality) or tiff (16-bit unless --bits 8) writes those instead, the camera's \
            metadata in JPEG's EXIF segment or TIFF's tags; --output's extension (.jpg, .tiff, .png) picks the \
            format too.
            """)

    @Argument(help: "Camera raw files (ARW, DNG, ...) or folders holding them.")
    var raws: [String]

    @Option(help: "Exposure ratio: a number in (0, 1000] (SID trained up to 300), or 'auto'.")
    var ratio: String

    @Option(help: "Bits per sample: 8 or 16 (default 8; 16 for TIFF; JPEG is 8 only).")
    var bits: Int?

    @Option(help: "png, jpeg or tiff (default: --output's extension, else png).")
    var format: String?

    @Option(help: "JPEG quality, 1-100 (default 90).")
    var quality: Int?

    @Option(help: "Model: sid-sony, sid-fuji or baseline (default: the SID model that fits the raw, else baseline).")
    var model: String?

    @Option(name: .shortAndLong, help: "Where to write the PNG of a single raw (default: next to the raw, .png).")
    var output: String?

    @Option(help: "Folder for the PNGs (created if missing); a raw found in a folder keeps its path below it.")
    var outputDir: String?

    @Flag(help: "Also take raws from the subfolders of the folders given.")
    var recursive = false

    @Flag(help: "Replace PNGs that exist (otherwise they are kept and the raw is skipped).")
    var overwrite = false

    @Flag(help: "One JSON object per file on stdout instead of a line of text.")
    var json = false

    @Option(help: "upright (turn as the camera's orientation says) or sensor (the sensor's geometry).")
    var orientation: String = OutputGeometry.upright.rawValue

    @Flag(help: "Leave the camera's metadata (eXIf) out of the PNG.")
    var stripMetadata = false

    @Flag(help: "Random full-width U-Net weights instead of a file: for timing batches only, the images are meaningless.")
    var syntheticWeights = false

    @OptionGroup var decoding: DecoderOptions

    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard !raws.isEmpty else { throw ValidationError("name at least one raw file or folder") }
        guard OutputGeometry(rawValue: orientation) != nil else {
            throw ValidationError("--orientation must be \(OutputGeometry.choices)")
        }
        if output != nil, raws.count > 1 || outputDir != nil {
            throw ValidationError("--output names the PNG of a single raw; use --output-dir for several")
        }
        _ = try outputFormat()
    }

    /// --format, else --output's extension when it names a format, else PNG; a --format that contradicts
    /// --output's extension is a mistake worth stopping for.
    func outputFormat() throws -> ImageFormat {
        let fromName = output.flatMap { ImageFormat(fileName: $0) }
        guard let format else { return fromName ?? .png }
        guard let chosen = ImageFormat(name: format) else {
            throw ValidationError("--format must be png, jpeg or tiff, not \(format)")
        }
        if let fromName, fromName != chosen {
            throw ValidationError("--format \(format) but --output \(output ?? "") names a \(fromName.name) file")
        }
        return chosen
    }

    func run() throws {
        let options: EnhanceOptions
        let format = try outputFormat()
        if quality != nil, format != .jpeg { throw ValidationError("--quality applies to JPEG output only") }
        do {
            options = EnhanceOptions(ratio: try ExposureRatio.parse(ratio), bits: bits ?? format.bitDepths[0], model: model,
                                     geometry: OutputGeometry(rawValue: orientation) ?? .upright,
                                     metadata: stripMetadata ? .strip : .keep, format: format,
                                     quality: quality ?? JPEGEncoder.defaultQuality)
            try options.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        let inputs: BatchInputs
        do {
            inputs = try BatchInputs(paths: raws, recursive: recursive, outputDirectory: outputDir, explicitOutput: output,
                                     fileExtension: format.fileExtension)
        } catch let error as BatchInputError {
            throw ValidationError(error.description)
        }
        // A single file named with --output is written as asked, as before batches existed.
        let overwrite = self.overwrite || output != nil
        if inputs.items.isEmpty { throw DataFailure.exit("no raw files found in \(raws.joined(separator: ", "))") }
        let largest = inputs.items.map { (try? FileManager.default.attributesOfItem(atPath: $0.input)[.size] as? Int) ?? 0 }
            .max() ?? 0
        let registry: ModelRegistry
        if syntheticWeights {
            FileHandle.standardError.write(Data("note: SYNTHETIC weights (--synthetic-weights): the images are meaningless\n".utf8))
            registry = ModelRegistry(networks: [SIDModel.sony.rawValue: SyntheticWeights.model(SIDArchitecture(model: .sony), winograd: engine.winograd)])
        } else {
            registry = try engine.makeRegistry()
        }
        let enhancer = Enhancer(registry: registry, threads: engine.threads,
                                maxPixels: DecoderOptions.maxPixels,
                                decoding: decoding.strategy(largestInputBytes: max(largest, 1)))
        let reporter = BatchReporter(total: inputs.items.count, json: json)
        EnhanceBatch(enhancer: enhancer, options: options, overwrite: overwrite).run(inputs.items, reporter: reporter)
        reporter.summary()
        if reporter.failed > 0 { throw ExitCode(DataFailure.exitStatus) }
    }
}
