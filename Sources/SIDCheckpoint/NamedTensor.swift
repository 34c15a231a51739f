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
