/// A Python list under construction or finished; a class so that memo entries alias it as Python does.
final class PickleList {
    var items: [PickleValue]
    /// Levels of nesting in the list: 1 while it holds only plain values. `RestrictedUnpickler` keeps it bounded.
    var depth = 1
    /// Set once the list is inside another value, after which `RestrictedUnpickler` refuses to change it.
    var isNested = false

    init(_ items: [PickleValue] = []) { self.items = items }
}
