import ArgumentParser
import Foundation
import SIDEngine
import SIDRaw

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a raw file's metadata as JSON: camera, size, CFA, the levels sid uses, exposure, ISO, lens.",
        discussion: """
            The levels are the ones `sid pack` and `sid enhance` use: read after LibRaw has unpacked the pixels \
            (black from masked pixels where the camera needs it, per-channel black, the real white level).
            """)

    @Argument(help: "A camera raw file (ARW, DNG, ...).")
    var raw: String

    @OptionGroup var decoding: DecoderOptions

    func run() throws {
        let bytes = try CommandInput.read(raw)
        let backend = decoding.strategy(largestInputBytes: bytes.count).backend(maxPixels: DecoderOptions.maxPixels)
        let metadata: RawMetadata
        do {
            metadata = try bytes.withUnsafeBytes { try backend.metadata($0) }
        } catch let error as RawDecodingError {
            throw DataFailure.exit("\(raw): \(error)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(metadata), as: UTF8.self))
    }
}
