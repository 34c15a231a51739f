/// A read-only float32 tensor inside an open `WeightsFile`, without a copy.
///
/// The view keeps its `WeightsFile` (and so the mapping) alive: `values` is valid as long as the view or the
/// file is. The memory is never written, so views can be read from any thread.
public struct TensorView: @unchecked Sendable {
    public let name: String
    /// Dimensions, outermost first; values are row-major.
    public let shape: [Int]
    public let values: UnsafeBufferPointer<Float>
    /// Holds the memory `values` points into.
    private let owner: AnyObject

    init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>, owner: AnyObject) {
        self.name = name
        self.shape = shape
        self.values = values
        self.owner = owner
    }
}
