/// What a raw file says about itself and the levels the pipeline uses (the `sid info` view): levels are read after
/// LibRaw has unpacked the pixels, since some formats measure black from masked pixels or fix white only then.
public struct RawMetadata: Codable, Equatable, Sendable {
    public var make: String
    public var model: String
    /// Visible (cropped) area, as LibRaw reports it.
    public var width: Int
    public var height: Int
    /// The full sensor readout including masked borders.
    public var rawWidth: Int
    public var rawHeight: Int
    /// "RGGB", "BGGR", "GRBG", "GBRG", "X-Trans", "monochrome", "linear", or "other" for any other filter layout.
    public var cfa: String
    /// Black level per position of the 2x2 cell at the visible origin: (0,0), (0,1), (1,0), (1,1); X-Trans raws
    /// have one black level, repeated.
    public var blackLevels: [Float]
    public var whiteLevel: Float
    /// Seconds; 0 when the file does not say.
    public var exposureTime: Double
    /// 0 when the file does not say.
    public var iso: Double
    /// Lens aperture as an f-number; 0 when the file does not say.
    public var aperture: Double = 0
    /// Focal length in millimetres; 0 when the file does not say.
    public var focalLength: Double = 0
    /// When the picture was taken, in seconds since 1970 as the camera's clock said (no time zone); 0 when unknown.
    public var timestamp: Int = 0
    /// The lens' name; empty when the file does not say.
    public var lens: String = ""
    /// LibRaw's orientation code for display: 0 as stored, 3 rotate 180, 5 rotate 90 CCW, 6 rotate 90 CW.
    public var flip: Int
    /// Size of each packed plane: half the visible size for a 2x2 Bayer (four planes), a third of the whole 6x6
    /// blocks for X-Trans (nine planes); 0 for sensors no model takes.
    public var packedWidth: Int
    public var packedHeight: Int

    public init(make: String, model: String, width: Int, height: Int, rawWidth: Int, rawHeight: Int, cfa: String,
                blackLevels: [Float], whiteLevel: Float, exposureTime: Double, iso: Double, flip: Int = 0,
                packedWidth: Int, packedHeight: Int) {
        self.make = make
        self.model = model
        self.width = width
        self.height = height
        self.rawWidth = rawWidth
        self.rawHeight = rawHeight
        self.cfa = cfa
        self.blackLevels = blackLevels
        self.whiteLevel = whiteLevel
        self.exposureTime = exposureTime
        self.iso = iso
        self.flip = flip
        self.packedWidth = packedWidth
        self.packedHeight = packedHeight
    }

    // Explicit keys so the JSON is snake_case whatever encoder settings the caller uses.
    enum CodingKeys: String, CodingKey {
        case make, model, width, height
        case rawWidth = "raw_width"
        case rawHeight = "raw_height"
        case cfa
        case blackLevels = "black_levels"
        case whiteLevel = "white_level"
        case exposureTime = "exposure_time"
        case iso, flip, aperture, lens, timestamp
        case focalLength = "focal_length"
        case packedWidth = "packed_width"
        case packedHeight = "packed_height"
    }
}
