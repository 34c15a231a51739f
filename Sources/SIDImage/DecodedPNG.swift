/// A decoded PNG: samples are widened to UInt16 (8-bit images keep values 0-255) and interleaved by channel.
public struct DecodedPNG: Sendable {
    /// Pixels per row.
    public var width: Int
    /// Number of rows.
    public var height: Int
    /// Bits per sample after expansion: 8 or 16.
    public var bitDepth: Int
    /// Samples per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    /// Row-major interleaved samples, width x height x channels of them.
    public var samples: [UInt16]
    /// Text chunks (tEXt, zTXt, iTXt) in file order.
    public var text: [(key: String, value: String)]
    /// Whether the file carries an sRGB chunk.
    public var hasSRGB: Bool

    /// The value of the first text chunk with this keyword.
    public func textValue(forKey key: String) -> String? {
        text.first { $0.key == key }?.value
    }
}
