/// The only Python globals a checkpoint's pickle may name: the few a PyTorch state dict needs.
///
/// Each is interpreted by the unpickler itself; no name in a pickle ever causes code to be looked up or run.
enum PickleGlobal: Equatable, Sendable {
    /// `collections.OrderedDict`: state dicts are ordered dicts.
    case orderedDict
    /// `torch._utils._rebuild_tensor_v2` and its predecessor `_rebuild_tensor`.
    case rebuildTensor
    /// `torch._utils._rebuild_parameter` (and `_with_state`): an `nn.Parameter` wrapping a tensor.
    case rebuildParameter
    /// `torch.FloatStorage` and the other typed storage classes, which tag a storage's element type.
    case storageType(TorchDType)

    /// Resolves `module.name`, refusing anything outside the allow-list before the pickle is read further.
    init(module: String, name: String) throws {
        switch (module, name) {
        case ("collections", "OrderedDict"):
            self = .orderedDict
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            self = .rebuildTensor
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            self = .rebuildParameter
        case ("torch", _):
            guard let dtype = TorchDType(storageClassName: name) else {
                throw CheckpointError.forbiddenGlobal("\(module).\(name)")
            }
            self = .storageType(dtype)
        default:
            throw CheckpointError.forbiddenGlobal("\(module).\(name)")
        }
    }
}
