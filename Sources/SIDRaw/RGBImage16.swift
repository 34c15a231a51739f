/// A rendered image: 16-bit sRGB-encoded samples, interleaved R, G, B, row-major.
public struct RGBImage16: Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` values.
    public let pixels: [UInt16]

    public init(width: Int, height: Int, pixels: [UInt16]) {
        precondition(pixels.count == width * height * 3, "pixels must hold width x height RGB triples")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
