/// A Python list under construction or finished; a class so that memo entries alias it as Python does.
final class PickleList {
    var items: [PickleValue]

    init(_ items: [PickleValue] = []) { self.items = items }
}
