import Foundation
import SIDEngine

/// Runs `sid enhance` over many files as a three-stage pipeline, so a batch keeps the cores busy: while the network
/// runs on file n (this thread, all compute threads), file n+1 is read and decoded (LibRaw, usually in its helper
/// process) and file n-1 is written, each on its own thread. A PNG that needs no turn is deflated stripe by stripe
/// while its own rows are computed (`Enhancer.encodesWhileRendering`), so only its file is written on the last
/// thread; any other output is encoded there. At most one file waits between two stages, so memory holds at most
/// five: one decoding, one waiting, one in the network, one waiting, one encoding or being written.
struct EnhanceBatch {
    let enhancer: Enhancer
    let options: EnhanceOptions
    let overwrite: Bool

    private enum Decoded {
        case ready(BatchInputs.Item, DecodedRaw)
        case done(BatchInputs.Item, BatchReporter.Outcome)
    }

    private enum Rendered {
        case ready(BatchInputs.Item, RenderedImage)
        case encoded(BatchInputs.Item, EnhanceResult)
        case done(BatchInputs.Item, BatchReporter.Outcome)
    }

    func run(_ items: [BatchInputs.Item], reporter: BatchReporter) {
        let decoded = HandOff<Decoded>(capacity: 1)
        let rendered = HandOff<Rendered>(capacity: 1)
        let enhancer = self.enhancer, options = self.options, overwrite = self.overwrite

        let decoder = Thread {
            for item in items {
                if !overwrite && FileManager.default.fileExists(atPath: item.output) {
                    decoded.put(.done(item, .kept(output: item.output)))
                    continue
                }
                guard let bytes = FileManager.default.contents(atPath: item.input) else {
                    decoded.put(.done(item, .failed(message: "cannot read it: no such file or not readable")))
                    continue
                }
                do {
                    decoded.put(.ready(item, try enhancer.decode(bytes, options: options)))
                } catch {
                    decoded.put(.done(item, .failed(message: "\(error)")))
                }
            }
            decoded.finish()
        }
        let finished = DispatchSemaphore(value: 0)
        let encoder = Thread {
            while let next = rendered.take() {
                switch next {
                case let .done(item, outcome):
                    reporter.report(input: item.input, outcome)
                case let .ready(item, image):
                    reporter.report(input: item.input, Self.write(image, to: item.output, with: enhancer))
                case let .encoded(item, result):
                    reporter.report(input: item.input, Self.write(result, to: item.output))
                }
            }
            finished.signal()
        }
        decoder.start()
        encoder.start()
        while let next = decoded.take() {
            switch next {
            case let .done(item, outcome):
                rendered.put(.done(item, outcome))
            case let .ready(item, input):
                do {
                    if enhancer.encodesWhileRendering(input) {
                        rendered.put(.encoded(item, try enhancer.enhance(input)))
                    } else {
                        rendered.put(.ready(item, try enhancer.render(input)))
                    }
                } catch {
                    rendered.put(.done(item, .failed(message: "\(error)")))
                }
            }
        }
        rendered.finish()
        finished.wait()
    }

    private static func write(_ image: RenderedImage, to output: String, with enhancer: Enhancer) -> BatchReporter.Outcome {
        do {
            return write(try enhancer.encode(image), to: output)
        } catch {
            return .failed(message: "\(error)")
        }
    }

    private static func write(_ result: EnhanceResult, to output: String) -> BatchReporter.Outcome {
        do {
            let directory = (output as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            try Data(result.image).write(to: URL(fileURLWithPath: output), options: .atomic)
            return .written(output: output, result: result)
        } catch {
            return .failed(message: "\(error)")
        }
    }
}
