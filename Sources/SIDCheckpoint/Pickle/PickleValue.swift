/// A Python object as the restricted unpickler rebuilds it: plain data, or a reference to tensor data on disk.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond 64 bits, as little-endian two's-complement bytes (the legacy torch magic number).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case tuple([PickleValue])
    /// Lists, and sets read as lists, are shared references, as in Python: memoised copies see later appends.
    case list(PickleList)
    case dict(PickleDict)
    case global(PickleGlobal)
    case storage(TorchStorageReference)
    case tensor(TorchTensorReference)

    var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    var int: Int? {
        if case .int(let value) = self { return value }
        return nil
    }

    var tuple: [PickleValue]? {
        if case .tuple(let items) = self { return items }
        return nil
    }

    var dict: PickleDict? {
        if case .dict(let dict) = self { return dict }
        return nil
    }

    /// A short name of the kind of value, for error messages.
    var kindName: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .tuple: return "tuple"
        case .list: return "list"
        case .dict: return "dict"
        case .global: return "global"
        case .storage: return "storage"
        case .tensor: return "tensor"
        }
    }
}

/// A Python list under construction or finished; a class so that memo entries alias it as Python does.
final class PickleList {
    var items: [PickleValue]
    /// Levels of nesting in the list: 1 while it holds only plain values. `RestrictedUnpickler` keeps it bounded.
    var depth = 1
    /// Set once the list is inside another value, after which `RestrictedUnpickler` refuses to change it.
    var isNested = false

    init(_ items: [PickleValue] = []) { self.items = items }
}

/// A Python dict in insertion order; a class so that memo entries alias it as Python does.
final class PickleDict {
    private(set) var entries: [(key: PickleValue, value: PickleValue)] = []
    /// Position in `entries` of each string or integer key, so assignment replaces as in Python.
    private var positions: [HashableKey: Int] = [:]
    /// Levels of nesting in the dict: 1 while it holds only plain values. `RestrictedUnpickler` keeps it bounded.
    var depth = 1
    /// Set once the dict is inside another value, after which `RestrictedUnpickler` refuses to change it.
    var isNested = false

    private enum HashableKey: Hashable {
        case string(String)
        case int(Int)
    }

    init() {}

    subscript(key: String) -> PickleValue? {
        positions[.string(key)].map { entries[$0].value }
    }

    var stringKeys: [String] { entries.compactMap { $0.key.string } }

    func set(_ value: PickleValue, forKey key: PickleValue) {
        let hashable: HashableKey?
        switch key {
        case .string(let string): hashable = .string(string)
        case .int(let int): hashable = .int(int)
        default: hashable = nil
        }
        if let hashable, let existing = positions[hashable] {
            entries[existing].value = value
            return
        }
        if let hashable { positions[hashable] = entries.count }
        entries.append((key, value))
    }
}

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
