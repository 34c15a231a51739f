import Foundation
import SIDWeights

/// The checkpoint layouts the converter reads, named as in the weights file's `source_format` metadata.
public enum CheckpointFormat: String, Sendable {
    /// `torch.save` since PyTorch 1.6: a zip of a pickle and storage files.
    case pytorchZip = "pytorch-zip"
    /// `torch.save(..., _use_new_zipfile_serialization=False)`: consecutive pickles then raw storages.
    case pytorchLegacy = "pytorch-legacy"
    /// A TensorFlow 1.x checkpoint: `model.ckpt.index` plus `model.ckpt.data-00000-of-00001`.
    case tensorflowBundle = "tensorflow-bundle"
}

/// A checkpoint located on disk, its format decided by content rather than by file name.
enum CheckpointSource {
    case pytorch(path: String, format: CheckpointFormat)
    /// A TensorFlow bundle: its prefix, and its first data shard (the file that identifies it).
    case tensorflow(prefix: String, dataFile: String)

    init(path: String) throws {
        if let prefix = TensorBundle.prefix(forPath: path), FileManager.default.fileExists(atPath: prefix + ".index") {
            let shards = try TensorBundleIndex(contentsOf: prefix + ".index").shardCount
            self = .tensorflow(prefix: prefix, dataFile: TensorBundle.dataPath(prefix: prefix, shard: 0, of: shards))
            return
        }
        let file = try MappedFile(path: path)
        switch PyTorchCheckpoint.format(of: file.bytes) {
        case .zip?:
            self = .pytorch(path: path, format: .pytorchZip)
        case .legacy?:
            self = .pytorch(path: path, format: .pytorchLegacy)
        case nil:
            if SSTable.hasFooterMagic(Array(file.bytes.suffix(SSTable.footerLength))) {
                throw CheckpointError.malformedTensorBundle(
                    "\(path) is a TensorFlow index; name it <prefix>.index beside <prefix>.data-00000-of-00001"
                        + " and pass the prefix")
            }
            throw CheckpointError.unrecognisedCheckpoint(path: path)
        }
    }

    var format: CheckpointFormat {
        switch self {
        case .pytorch(_, let format): return format
        case .tensorflow: return .tensorflowBundle
        }
    }

    /// The file whose SHA-256 and git blob SHA-1 identify the checkpoint.
    var hashedFile: String {
        switch self {
        case .pytorch(let path, _): return path
        case .tensorflow(_, let dataFile): return dataFile
        }
    }
}
