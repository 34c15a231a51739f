/// A decoded mosaic (2x2 Bayer or 6x6 X-Trans): the visible area of the sensor with the levels needed to normalise it.
public struct RawImage: Sendable {
    public let metadata: RawMetadata
    /// Visible area size.
    public let width: Int
    public let height: Int
    /// Visible area, row-major, `width * height` values in sensor orientation.
    public let pixels: [UInt16]
    /// The colour filter: which packer, and which SID model, fits this raw.
    public let mosaic: MosaicPattern
    /// The 2x2 Bayer layout when `mosaic` is `.bayer`. An X-Trans raw has no 2x2 layout; there it is `.rggb` and
    /// means nothing, so code that handles both sensors switches on `mosaic`.
    public let cfa: CFAPattern
    /// Black level per position of the 2x2 cell at the visible origin: (0,0), (0,1), (1,0), (1,1).
    /// An X-Trans raw has one black level for its whole 6x6 pattern, repeated four times.
    public let blackLevels: [Float]
    public let whiteLevel: Float

    /// A mosaic as a decoder read it (in this process or another); `pixels.count` must be the metadata's visible area.
    public init(metadata: RawMetadata, pixels: [UInt16], mosaic: MosaicPattern) {
        precondition(pixels.count == metadata.width * metadata.height && metadata.blackLevels.count == 4)
        self.metadata = metadata
        self.width = metadata.width
        self.height = metadata.height
        self.pixels = pixels
        self.mosaic = mosaic
        if case let .bayer(pattern) = mosaic {
            self.cfa = pattern
        } else {
            self.cfa = .rggb
        }
        self.blackLevels = metadata.blackLevels
        self.whiteLevel = metadata.whiteLevel
    }

    /// A Bayer mosaic that did not come from a file (synthetic data, tests); `pixels.count` must be `width * height`.
    public init(width: Int, height: Int, cfa: CFAPattern, blackLevels: [Float], whiteLevel: Float, pixels: [UInt16],
                make: String = "", model: String = "", exposureTime: Double = 0, iso: Double = 0) {
        self.init(width: width, height: height, mosaic: .bayer(cfa), blackLevels: blackLevels, whiteLevel: whiteLevel,
                  pixels: pixels, make: make, model: model, exposureTime: exposureTime, iso: iso)
    }

    /// An X-Trans mosaic that did not come from a file (synthetic data, tests); `pixels.count` must be
    /// `width * height`.
    public init(width: Int, height: Int, xTrans: XTransPattern, blackLevel: Float, whiteLevel: Float,
                pixels: [UInt16], make: String = "", model: String = "", exposureTime: Double = 0, iso: Double = 0) {
        self.init(width: width, height: height, mosaic: .xTrans(xTrans),
                  blackLevels: Array(repeating: blackLevel, count: 4), whiteLevel: whiteLevel, pixels: pixels,
                  make: make, model: model, exposureTime: exposureTime, iso: iso)
    }

    private init(width: Int, height: Int, mosaic: MosaicPattern, blackLevels: [Float], whiteLevel: Float,
                 pixels: [UInt16], make: String, model: String, exposureTime: Double, iso: Double) {
        let packed = mosaic.packedSize(width: width, height: height)
        let metadata = RawMetadata(
            make: make, model: model, width: width, height: height, rawWidth: width, rawHeight: height,
            cfa: mosaic.name, blackLevels: blackLevels, whiteLevel: whiteLevel, exposureTime: exposureTime, iso: iso,
            packedWidth: packed.width, packedHeight: packed.height)
        self.init(metadata: metadata, pixels: pixels, mosaic: mosaic)
    }
}
