import Foundation
import SIDEngine

/// What `sid enhance` tells the user per file and at the end: a "wrote" line per PNG on stdout (or one JSON object
/// per file with `--json`), errors and notes on stderr, and, when stderr is a terminal and there is more than one
/// file, a progress line with files done, throughput and ETA redrawn in place.
final class BatchReporter {
    enum Outcome {
        case written(output: String, result: EnhanceResult)
        /// The PNG exists and `--overwrite` was not given.
        case kept(output: String)
        case failed(message: String)
    }

    private let total: Int
    private let json: Bool
    private let showsProgress: Bool
    private let start = Date()
    private(set) var written = 0
    private(set) var kept = 0
    private(set) var failed = 0
    /// Notes already shown: the same sentence for every file of a batch is said once.
    private var noted: Set<String> = []

    init(total: Int, json: Bool) {
        self.total = total
        self.json = json
        showsProgress = total > 1 && isatty(STDERR_FILENO) == 1
    }

    var done: Int { written + kept + failed }

    func report(input: String, _ outcome: Outcome) {
        clearProgress()
        switch outcome {
        case let .written(output, result):
            written += 1
            for warning in result.warnings where noted.insert(warning).inserted {
                Self.printError(total > 1 ? "note: \(warning) (said once for the batch)" : "note: \(warning)")
            }
            if json {
                emit(["input": input, "output": output, "status": "written", "model": result.model,
                      "ratio": Double(result.ratio), "width": result.width, "height": result.height, "bits": result.bits,
                      "seconds": result.timings.total])
            } else {
                let t = result.timings
                print(String(format: "wrote %@: %dx%d %d-bit, model %@, ratio %@%@ (decode %.2f s, pack %.2f s, forward %.2f s, encode %.2f s)",
                             output, result.width, result.height, result.bits, result.model, Enhancer.format(result.ratio),
                             result.ratioWasEstimated ? " (auto)" : "", t.decode, t.pack, t.forward, t.encode))
            }
        case let .kept(output):
            kept += 1
            if json {
                emit(["input": input, "output": output, "status": "kept", "reason": "the output exists (--overwrite replaces it)"])
            } else {
                Self.printError("kept \(output): it exists (--overwrite replaces it)")
            }
        case let .failed(message):
            failed += 1
            if json { emit(["input": input, "status": "failed", "error": message]) }
            Self.printError("error: \(input): \(message)")
        }
        fflush(stdout)
        drawProgress()
    }

    /// Files per minute over the batch so far.
    var filesPerMinute: Double {
        let seconds = Date().timeIntervalSince(start)
        return seconds > 0 ? Double(done) * 60 / seconds : 0
    }

    /// The closing line on stderr, for batches of more than one file.
    func summary() {
        clearProgress()
        guard total > 1 else { return }
        let seconds = Date().timeIntervalSince(start)
        Self.printError(String(format: "%d files in %.1f s (%.1f files/min): %d written, %d kept, %d failed",
                               total, seconds, filesPerMinute, written, kept, failed))
    }

    private func drawProgress() {
        guard showsProgress, done < total else { return }
        let rate = filesPerMinute
        let eta = rate > 0 ? Double(total - done) / rate * 60 : 0
        let width = 24
        let filled = width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data(String(format: "\r[%@] %d/%d files, %.1f files/min, ETA %d:%02d",
                                                   bar, done, total, rate, Int(eta) / 60, Int(eta) % 60).utf8))
    }

    private func clearProgress() {
        if showsProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func emit(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
