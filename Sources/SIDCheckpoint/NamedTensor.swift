/// A float32 tensor owned in memory: what the checkpoint readers produce and the writer consumes.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    /// Dimensions, outermost first; values are row-major.
    public var shape: [Int]
    public var values: [Float]

    /// Creates a tensor; `values.count` should equal the product of `shape` (the writer checks).
    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

extension Array where Element == Int {
    /// The number of elements a shape describes, or nil if a dimension is negative or the product overflows.
    var checkedProduct: Int? {
        var product = 1
        for dimension in self {
            guard dimension >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            product = next
        }
        return product
    }
}
