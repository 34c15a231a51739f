import SIDModel

/// What `CheckpointConverter.convert` read and wrote.
public struct ConversionReport: Equatable, Sendable {
    public let sourceFormat: CheckpointFormat
    /// The file whose bytes were hashed: the checkpoint, or a TensorFlow bundle's data file.
    public let sourceFile: String
    public let sourceSHA256: String
    /// The published checkpoint the source is, recognised by its git blob SHA-1; nil when not known.
    public let recognisedCheckpoint: String?
    public let model: SIDModel
    public let width: Int
    /// Float values written, including any zero-filled up-convolution biases.
    public let parameterCount: Int
    public let tensorCount: Int
    /// Tensors absent from the checkpoint and written as zeros (a TensorFlow model's up-convolution biases).
    public let zeroFilledTensors: [String]
    public let outputPath: String
    public let outputSHA256: String

    /// A few lines for the CLI.
    public var summary: String {
        var lines = [
            "read \(sourceFormat.rawValue) checkpoint \(sourceFile)",
            "  recognised as: \(recognisedCheckpoint ?? "unrecognised (not a published checkpoint this tool knows)")",
            "  source sha256: \(sourceSHA256)",
            "  model \(model.rawValue), width \(width), \(tensorCount) tensors, \(parameterCount) parameters",
        ]
        if !zeroFilledTensors.isEmpty {
            lines.append("  zero-filled (absent from the checkpoint): \(zeroFilledTensors.joined(separator: ", "))")
        }
        lines.append("wrote \(outputPath)")
        lines.append("  sha256: \(outputSHA256)")
        return lines.joined(separator: "\n")
    }
}
