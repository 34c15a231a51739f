import Foundation
import SIDModel
import SIDWeights

/// Converts a published SID checkpoint (PyTorch zip or legacy, or TensorFlow bundle) into a safetensors file
/// with PyTorch names and layouts, after checking that it is exactly a SID U-Net.
public enum CheckpointConverter {
    /// Recorded as the `converter` metadata value.
    public static let converterVersion = "sid convert 1"

    /// Reads the checkpoint at `path` (for TensorFlow: the `model.ckpt` prefix, its `.index`, or its data file),
    /// validates it and writes `output` atomically.
    public static func convert(checkpointAt path: String, to output: String) throws -> ConversionReport {
        let source = try CheckpointSource(path: path)
        guard URL(fileURLWithPath: output).standardizedFileURL != URL(fileURLWithPath: source.hashedFile).standardizedFileURL
        else {
            throw CheckpointError.writeFailed(path: output, reason: "it is the checkpoint being converted")
        }
        let (tensors, zeroFilled) = try readStateDict(from: source)
        let architecture: SIDArchitecture
        do {
            architecture = try SIDArchitecture.identify(
                shapes: Dictionary(tensors.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first }))
        } catch let mismatch as SIDArchitecture.Mismatch {
            throw CheckpointError.architectureMismatch(mismatch.problems)
        }

        let sha256 = EVPDigest(.sha256)
        let gitBlob = EVPDigest(.sha1)
        gitBlob.update(GitBlobSHA1.header(size: try EVPDigest.fileSize(atPath: source.hashedFile)))
        try EVPDigest.feed(fileAt: source.hashedFile, to: [sha256, gitBlob])
        let sourceSHA256 = sha256.finalHex()
        let recognised = PublishedCheckpoint.recognise(gitBlobSHA1: gitBlob.finalHex())

        let model = architecture.model
        let metadata: [String: String] = [
            "format": "sid-weights",
            "format_version": "1",
            "architecture": "sid-unet",
            "model": model.rawValue,
            "in_channels": String(model.inputChannels),
            "out_channels": String(model.outputChannels),
            "scale": String(model.scale),
            "width": String(architecture.width),
            "source_format": source.format.rawValue,
            "source_file": (source.hashedFile as NSString).lastPathComponent,
            "source_sha256": sourceSHA256,
            "source_checkpoint": recognised?.name ?? "unrecognised",
            "converter": converterVersion,
            "upconv_bias": zeroFilled.isEmpty ? "checkpoint" : "zero: the TensorFlow checkpoint has none",
        ]
        try SafeTensorsWriter.write(tensors, metadata: metadata, to: output)

        return ConversionReport(
            sourceFormat: source.format,
            sourceFile: source.hashedFile,
            sourceSHA256: sourceSHA256,
            recognisedCheckpoint: recognised?.name,
            model: model,
            width: architecture.width,
            parameterCount: tensors.reduce(0) { $0 + $1.values.count },
            tensorCount: tensors.count,
            zeroFilledTensors: zeroFilled,
            outputPath: output,
            outputSHA256: try SHA256.hex(ofFileAt: output))
    }

    /// The checkpoint's model tensors with PyTorch names and layouts, plus the names that were zero-filled.
    static func readStateDict(from source: CheckpointSource) throws -> (tensors: [NamedTensor], zeroFilled: [String]) {
        switch source {
        case .pytorch(let path, _):
            return (try PyTorchCheckpoint(path: path).stateDict(), [])
        case .tensorflow(let prefix, _):
            let result = try TensorFlowTranslation.stateDict(from: try TensorBundle(prefix: prefix))
            return (result.tensors, result.zeroFilled)
        }
    }
}

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
