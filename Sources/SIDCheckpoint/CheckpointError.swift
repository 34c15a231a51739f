/// Everything that can go wrong converting a checkpoint, each as a sentence a person can act on.
///
/// Opening files is `SIDWeights`' job, so a missing or unreadable file is a `WeightsError.unreadableFile`.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    /// The data ends before a structure it announced is complete.
    case truncated(String)
    /// A tensor uses an element type this project does not load.
    case unsupportedDType(tensor: String, dtype: String)
    /// A pickle names a Python global outside the allow-list; nothing after it was read.
    case forbiddenGlobal(String)
    /// A pickle is structurally wrong or uses an opcode the restricted unpickler refuses.
    case malformedPickle(String)
    /// A zip archive is damaged or uses a feature the reader does not handle.
    case malformedZip(String)
    /// The PyTorch checkpoint parses but does not hold what a checkpoint should.
    case malformedCheckpoint(String)
    /// The TensorFlow index or data file is damaged or unsupported.
    case malformedTensorBundle(String)
    /// A tensor's stored checksum does not match its bytes.
    case checksumMismatch(tensor: String, stored: UInt32, computed: UInt32)
    /// The file is none of the checkpoint formats the converter knows.
    case unrecognisedCheckpoint(path: String)
    /// The tensors do not form a SID U-Net; every problem found is listed.
    case architectureMismatch([String])
    /// A tensor handed to the writer is inconsistent.
    case invalidTensor(name: String, reason: String)
    /// The output file could not be written.
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let what):
            return "the file is truncated: \(what)"
        case .unsupportedDType(let tensor, let dtype):
            return "tensor \(tensor) has element type \(dtype), but only float32 weights are supported"
                + " (float16 and bfloat16 checkpoints are widened to float32 automatically)"
        case .forbiddenGlobal(let name):
            return "the checkpoint's pickle refers to the Python global \(name), which is not on the allow-list;"
                + " nothing was executed and reading stopped there (save only the model's state_dict)"
        case .malformedPickle(let reason):
            return "the checkpoint's pickle cannot be read: \(reason)"
        case .malformedZip(let reason):
            return "the checkpoint's zip archive cannot be read: \(reason)"
        case .malformedCheckpoint(let reason):
            return "the PyTorch checkpoint cannot be used: \(reason)"
        case .malformedTensorBundle(let reason):
            return "the TensorFlow checkpoint cannot be used: \(reason)"
        case .checksumMismatch(let tensor, let stored, let computed):
            return "tensor \(tensor) is corrupt: its masked CRC32C is \(hex8(computed)) but the index records \(hex8(stored))"
        case .unrecognisedCheckpoint(let path):
            return "\(path) is not a checkpoint this converter knows (a PyTorch .pth/.pt file, zip or legacy,"
                + " or a TensorFlow model.ckpt prefix with its .index and .data files)"
        case .architectureMismatch(let problems):
            return "the checkpoint is not a SID U-Net: " + problems.joined(separator: "; ")
        case .invalidTensor(let name, let reason):
            return "tensor \(name) cannot be written: \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        }
    }
}

private func hex8(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
