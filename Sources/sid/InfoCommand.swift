import ArgumentParser
import Foundation
import SIDRaw

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a raw file's metadata as JSON: camera, size, CFA, levels, exposure, ISO.")

    @Argument(help: "A camera raw file (ARW, DNG, ...).")
    var raw: String

    func run() throws {
        let bytes = try CommandInput.read(raw)
        do {
            let metadata = try RawDecoder().metadata(bytes)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(metadata), as: UTF8.self))
        } catch let error as RawDecodingError {
            throw ValidationError("\(raw): \(error)")
        }
    }
}
