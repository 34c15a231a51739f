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
