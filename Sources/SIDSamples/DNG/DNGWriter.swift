import Foundation
import SIDRaw

/// Writes uncompressed 16-bit Bayer or X-Trans DNGs (little-endian TIFF) that LibRaw 0.20 decodes.
///
/// Colour metadata is the SID camera's for the sensor: the Sony A7S II for Bayer, the Fuji X-T2 for X-Trans (Adobe's
/// D65 ColorMatrix1 and a neutral AsShotNeutral), so a neutral scene written in camera proportions renders neutral.
/// LibRaw 0.20 reads BlackLevel with BlackLevelRepeatDim 2x2 per cell position and folds it into its per-colour
/// `cblack[0...3]`; RawDecoder maps it back to positions, which the round-trip tests verify. X-Trans files carry
/// one black level (BlackLevelRepeatDim 1x1) and a 6x6 CFAPattern. No ActiveArea or DefaultCrop is written, so the
/// whole strip is the visible area.
public enum DNGWriter {
    /// The largest side LibRaw accepts (it refuses raw widths or heights above 64000).
    public static let maximumSide = 64000

    /// Adobe's XYZ(D65)-to-camera matrix for the Sony ILCE-7SM2, row-major.
    static let colorMatrix = CameraColour.sonyA7SII.colorMatrix

    /// Camera RGB of a neutral surface under daylight: the reciprocal of the A7S II's daylight WB (2.5586, 1, 1.5313).
    static let asShotNeutral = CameraColour.sonyA7SII.asShotNeutral

    /// Encodes a visible-area Bayer mosaic (row-major, `width * height` values) as a DNG file.
    public static func write(width: Int, height: Int, cfa: CFAPattern, blackLevels: [Float], whiteLevel: Float,
                             pixels: [UInt16], make: String, model: String,
                             exposureTime: Double, iso: Double, orientation: UInt16 = 1) throws -> Data {
        try write(
            width: width, height: height, cfaRepeat: [2, 2], cfaColours: cfa.colours, blackRepeat: [2, 2],
            blackLevels: blackLevels, whiteLevel: whiteLevel, colour: .sonyA7SII, pixels: pixels, make: make,
            model: model, exposureTime: exposureTime, iso: iso, orientation: orientation)
    }

    /// Encodes a visible-area X-Trans mosaic (row-major, `width * height` values, `xTrans` read from the visible
    /// origin) as a DNG file.
    public static func write(width: Int, height: Int, xTrans: XTransPattern, blackLevel: Float, whiteLevel: Float,
                             pixels: [UInt16], make: String, model: String,
                             exposureTime: Double, iso: Double) throws -> Data {
        let period = UInt16(XTransPattern.period)
        return try write(
            width: width, height: height, cfaRepeat: [period, period], cfaColours: xTrans.colours, blackRepeat: [1, 1],
            blackLevels: [blackLevel], whiteLevel: whiteLevel, colour: .fujiXT2, pixels: pixels, make: make,
            model: model, exposureTime: exposureTime, iso: iso)
    }

    private static func write(width: Int, height: Int, cfaRepeat: [UInt16], cfaColours: [CFAPattern.Colour],
                              blackRepeat: [UInt16], blackLevels: [Float], whiteLevel: Float, colour: CameraColour,
                              pixels: [UInt16], make: String, model: String,
                              exposureTime: Double, iso: Double, orientation: UInt16 = 1) throws -> Data {
        guard (1 ... maximumSide).contains(width), (1 ... maximumSide).contains(height) else {
            throw DNGWritingError.invalidDimensions(width: width, height: height)
        }
        guard pixels.count == width * height else {
            throw DNGWritingError.pixelCountMismatch(expected: width * height, actual: pixels.count)
        }
        guard blackLevels.count == Int(blackRepeat[0] * blackRepeat[1]),
              blackLevels.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 65535 }) else {
            throw DNGWritingError.invalidBlackLevels(blackLevels)
        }
        guard whiteLevel.isFinite, whiteLevel.rounded() == whiteLevel, (1 ... 65535).contains(whiteLevel),
              blackLevels.allSatisfy({ $0 < whiteLevel }) else {
            throw DNGWritingError.invalidWhiteLevel(whiteLevel)
        }
        guard exposureTime.isFinite, exposureTime >= 0, iso.isFinite, iso >= 0 else {
            throw DNGWritingError.invalidExposure(exposureTime: exposureTime, iso: iso)
        }

        let main: [TIFFEntry] = [
            .longs(254, [0]),                                  // NewSubFileType: full-resolution image
            .longs(256, [UInt32(width)]),                      // ImageWidth
            .longs(257, [UInt32(height)]),                     // ImageLength
            .shorts(258, [16]),                                // BitsPerSample
            .shorts(259, [1]),                                 // Compression: none
            .shorts(262, [32803]),                             // PhotometricInterpretation: CFA
            .ascii(271, make),                                 // Make
            .ascii(272, model),                                // Model
            .shorts(274, [orientation]),                       // Orientation (EXIF: 1 as stored, 3, 6, 8 turned)
            .shorts(277, [1]),                                 // SamplesPerPixel
            .longs(278, [UInt32(height)]),                     // RowsPerStrip: one strip
            .shorts(284, [1]),                                 // PlanarConfiguration: chunky
            .shorts(33421, cfaRepeat),                         // CFARepeatPatternDim
            .bytes(33422, cfaColours.map(\.rawValue)),         // CFAPattern
            .bytes(50706, [1, 4, 0, 0]),                       // DNGVersion
            .bytes(50707, [1, 1, 0, 0]),                       // DNGBackwardVersion
            .ascii(50708, "\(make) \(model)"),                 // UniqueCameraModel
            .shorts(50713, blackRepeat),                       // BlackLevelRepeatDim
            .rationals(50714, blackLevels.map { (UInt32(($0 * 100).rounded()), 100) }),  // BlackLevel
            .longs(50717, [UInt32(whiteLevel)]),               // WhiteLevel
            .signedRationals(50721, colour.colorMatrix.map { (Int32(($0 * 10000).rounded()), 10000) }),  // ColorMatrix1
            // AsShotNeutral
            .rationals(50728, colour.asShotNeutral.map { (UInt32(($0 * 1_000_000).rounded()), 1_000_000) }),
            .shorts(50778, [21]),                              // CalibrationIlluminant1: D65
        ]
        let exif: [TIFFEntry] = [
            .rationals(33434, [exposureRational(exposureTime)]),         // ExposureTime
            .shorts(34855, [UInt16(min(iso.rounded(), 65535))]),          // ISOSpeedRatings
            .undefined(36864, Array("0230".utf8)),                       // ExifVersion
        ]

        let encoder = TIFFEncoder(mainEntries: main, exifEntries: exif)
        let bytes = encoder.encode(stripByteCount: pixels.count * 2) { strip in
            pixels.withUnsafeBufferPointer { source in
                for index in source.indices {
                    strip.storeBytes(of: source[index].littleEndian, toByteOffset: index * 2, as: UInt16.self)
                }
            }
        }
        return Data(bytes)
    }

    /// Shutter speeds are usually 1/n s; keep that exact, otherwise use microseconds.
    static func exposureRational(_ seconds: Double) -> (numerator: UInt32, denominator: UInt32) {
        if seconds > 0, seconds < 1 {
            let reciprocal = (1 / seconds).rounded()
            if reciprocal <= Double(UInt32.max), abs(1 / reciprocal - seconds) <= seconds * 1e-9 {
                return (1, UInt32(reciprocal))
            }
        }
        if seconds * 1_000_000 <= Double(UInt32.max) {
            return (UInt32((seconds * 1_000_000).rounded()), 1_000_000)
        }
        return (UInt32(min(seconds.rounded(), Double(UInt32.max))), 1)
    }
}

/// Why a DNG could not be written from the values given.
public enum DNGWritingError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidDimensions(width: Int, height: Int)
    case pixelCountMismatch(expected: Int, actual: Int)
    case invalidBlackLevels([Float])
    case invalidWhiteLevel(Float)
    case invalidExposure(exposureTime: Double, iso: Double)

    public var description: String {
        switch self {
        case let .invalidDimensions(width, height):
            return "cannot write a DNG of \(width)x\(height) pixels: both sides must be between 1 and "
                + "\(DNGWriter.maximumSide)"
        case let .pixelCountMismatch(expected, actual):
            return "cannot write the DNG: the image needs \(expected) pixel values but \(actual) were given"
        case let .invalidBlackLevels(levels):
            return "cannot write the DNG: black levels must be finite values from 0 to 65535, 4 for a Bayer mosaic "
                + "and 1 for X-Trans, got "
                + "\(levels)"
        case let .invalidWhiteLevel(level):
            return "cannot write the DNG: the white level must be a whole number from 1 to 65535 above every "
                + "black level, got \(level)"
        case let .invalidExposure(exposureTime, iso):
            return "cannot write the DNG: exposure time and ISO must be finite and not negative, got "
                + "\(exposureTime) s at ISO \(iso)"
        }
    }
}
