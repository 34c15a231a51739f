import ArgumentParser
import SIDCheckpoint

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a PyTorch (.pth) or TensorFlow (model.ckpt) checkpoint into the safetensors file sid loads.")

    @Argument(help: "A .pth file, or a TensorFlow checkpoint prefix such as checkpoint/Sony/model.ckpt.")
    var checkpoint: String

    @Option(name: .shortAndLong, help: "Where to write the weights.")
    var output: String = "weights/sid-sony.safetensors"

    func run() throws {
        do {
            let report = try CheckpointConverter.convert(checkpointAt: checkpoint, to: output)
            print(report.summary)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
