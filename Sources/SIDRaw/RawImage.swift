/// A decoded Bayer mosaic: the visible area of the sensor with the levels needed to normalise it.
public struct RawImage: Sendable {
    public let metadata: RawMetadata
    /// Visible area size.
    public let width: Int
    public let height: Int
    /// Visible area, row-major, `width * height` values in sensor orientation.
    public let pixels: [UInt16]
    public let cfa: CFAPattern
    /// Black level per position of the 2x2 cell at the visible origin: (0,0), (0,1), (1,0), (1,1).
    public let blackLevels: [Float]
    public let whiteLevel: Float

    init(metadata: RawMetadata, pixels: [UInt16], cfa: CFAPattern) {
        precondition(pixels.count == metadata.width * metadata.height && metadata.blackLevels.count == 4)
        self.metadata = metadata
        self.width = metadata.width
        self.height = metadata.height
        self.pixels = pixels
        self.cfa = cfa
        self.blackLevels = metadata.blackLevels
        self.whiteLevel = metadata.whiteLevel
    }

    /// A mosaic that did not come from a file (synthetic data, tests); `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, cfa: CFAPattern, blackLevels: [Float], whiteLevel: Float, pixels: [UInt16],
                make: String = "", model: String = "", exposureTime: Double = 0, iso: Double = 0) {
        let origin = cfa.redOrigin
        let metadata = RawMetadata(
            make: make, model: model, width: width, height: height, rawWidth: width, rawHeight: height,
            cfa: cfa.rawValue, blackLevels: blackLevels, whiteLevel: whiteLevel, exposureTime: exposureTime, iso: iso,
            packedWidth: max((width - origin.col) / 2, 0), packedHeight: max((height - origin.row) / 2, 0))
        self.init(metadata: metadata, pixels: pixels, cfa: cfa)
    }
}
