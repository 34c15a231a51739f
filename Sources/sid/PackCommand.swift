import ArgumentParser
import Foundation
import SIDDecoderIsolation
import SIDEngine
import SIDRaw

struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Decode and pack a raw as `sid enhance` does and write the network's input as a float32 .npy [1, C, H, W].",
        discussion: """
            Bayer raws give 4 planes (R, G, B, G) at half resolution, X-Trans raws 9 planes at a sixth. The values are \
            the model's input: black-subtracted, normalised, multiplied by the ratio and clipped to 1. Use it to feed \
            other runtimes (`sid bench --input`, bench/compare.sh) or to check against a PyTorch reference.
            """)

    @Argument(help: "A camera raw file (ARW, DNG, ...).")
    var raw: String

    @Option(help: "Exposure ratio: a number in (0, 1000] (SID trained up to 300), or 'auto'.")
    var ratio: String

    @Option(name: .shortAndLong, help: "Where to write the .npy file.")
    var output: String

    @OptionGroup var decoding: DecoderOptions

    func run() throws {
        let exposure: ExposureRatio
        do {
            exposure = try ExposureRatio.parse(ratio)
            try EnhanceOptions(ratio: exposure).validate()
        } catch {
            throw ValidationError("\(error)")
        }
        let bytes = try CommandInput.read(raw)
        let backend = decoding.strategy(largestInputBytes: bytes.count).backend(maxPixels: DecoderOptions.maxPixels)
        let image: RawImage
        do {
            image = try bytes.withUnsafeBytes { try backend.decode($0) }
        } catch let error as RawDecodingError {
            throw DataFailure.exit("\(raw): \(error)")
        }
        let factor = exposure.value(for: image)
        if let warning = ExposureRatio.warning(for: factor) { FileHandle.standardError.write(Data("note: \(warning)\n".utf8)) }
        let packed: PackedImage
        switch image.mosaic {
        case .bayer: packed = BayerPacker.pack(image, ratio: factor)
        case .xTrans: packed = XTransPacker.pack(image, ratio: factor)
        }
        let array = NPYArray(shape: [1, packed.channels, packed.height, packed.width], values: packed.values)
        try CommandInput.write(array.encoded(), to: output)
        print("wrote \(output): float32 [1, \(packed.channels), \(packed.height), \(packed.width)] from "
              + "a \(image.width)x\(image.height) \(image.mosaic.name) raw, ratio \(Enhancer.format(factor))"
              + (exposure == .auto ? " (auto)" : ""))
    }
}
