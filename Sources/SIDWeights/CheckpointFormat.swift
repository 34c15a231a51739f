/// The checkpoint layouts the converter reads, named as in the weights file's `source_format` metadata.
public enum CheckpointFormat: String, Sendable {
    /// `torch.save` since PyTorch 1.6: a zip of a pickle and storage files.
    case pytorchZip = "pytorch-zip"
    /// `torch.save(..., _use_new_zipfile_serialization=False)`: consecutive pickles then raw storages.
    case pytorchLegacy = "pytorch-legacy"
    /// A TensorFlow 1.x checkpoint: `model.ckpt.index` plus `model.ckpt.data-00000-of-00001`.
    case tensorflowBundle = "tensorflow-bundle"
}
