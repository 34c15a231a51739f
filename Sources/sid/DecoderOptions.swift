import ArgumentParser
import SIDDecoderIsolation
import SIDEngine

/// `--decoder` for every command that reads a raw: LibRaw runs in a limited helper process by default, so a file
/// that crashes or hangs it ends in a message, not a crashed `sid`.
struct DecoderOptions: ParsableArguments {
    @Option(help: "Where LibRaw runs: isolated (a separate process: a file that crashes LibRaw ends in an error message) or in-process.")
    var decoder: String = DecoderMode.isolated.rawValue

    /// Generous for one file on the user's own machine: a 100-megapixel baseline rendering takes about 10 s.
    static let timeoutSeconds: Int64 = 300
    /// The largest sensor readout the command line accepts.
    static let maxPixels = 100_000_000

    func validate() throws {
        guard DecoderMode(rawValue: decoder) != nil else {
            throw ValidationError("--decoder must be \(DecoderMode.choices)")
        }
    }

    /// Where LibRaw runs for inputs of up to `largestInputBytes`.
    func strategy(largestInputBytes: Int) -> DecodingStrategy {
        switch DecoderMode(rawValue: decoder) {
        case .inProcess?:
            return .inProcess
        case .isolated?, nil:
            let memory = DecoderIsolation.memoryLimitSetting()
                ?? DecoderIsolation.defaultMemoryLimit(maxPixels: Self.maxPixels, maxInputBytes: largestInputBytes)
            return .isolated(.sidHelper(memoryLimitBytes: memory, timeout: .seconds(Self.timeoutSeconds)))
        }
    }
}
