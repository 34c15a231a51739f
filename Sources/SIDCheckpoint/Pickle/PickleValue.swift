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
