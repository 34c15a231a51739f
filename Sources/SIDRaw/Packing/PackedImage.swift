/// The model's input: four half-resolution planes (R, G, B, G), planar channel-major, values in [0, 1].
public struct PackedImage: Sendable {
    public let channels: Int
    public let height: Int
    public let width: Int
    /// `channels * height * width` values; plane `c` starts at `c * height * width`.
    public let values: [Float]

    public init(channels: Int, height: Int, width: Int, values: [Float]) {
        precondition(values.count == channels * height * width, "values must fill channels x height x width")
        self.channels = channels
        self.height = height
        self.width = width
        self.values = values
    }
}
