import Foundation

/// Writes uncompressed 16-bit Bayer DNGs (little-endian TIFF) that LibRaw 0.20 decodes.
///
/// Colour metadata is the Sony A7S II's (the SID camera): Adobe's D65 ColorMatrix1 and the camera's daylight
/// white balance as AsShotNeutral, so a neutral scene written in camera proportions renders neutral.
/// LibRaw 0.20 reads BlackLevel with BlackLevelRepeatDim 2x2 per cell position and folds it into its per-colour
/// `cblack[0...3]`; RawDecoder maps it back to positions, which the round-trip tests verify. No ActiveArea or
/// DefaultCrop is written, so the whole strip is the visible area.
public enum DNGWriter {
    /// The largest side LibRaw accepts (it refuses raw widths or heights above 64000).
    public static let maximumSide = 64000

    /// Adobe's XYZ(D65)-to-camera matrix for the Sony ILCE-7SM2, row-major (also in dnglab's a7sm2.toml).
    static let colorMatrix: [Double] = [0.5838, -0.1430, -0.0246, -0.3497, 1.1477, 0.2297, -0.0748, 0.1885, 0.5778]

    /// Camera RGB of a neutral surface under daylight: the reciprocal of the A7S II's daylight WB (2.5586, 1, 1.5313).
    static let asShotNeutral: [Double] = [1 / 2.5585938, 1, 1 / 1.53125]

    /// Encodes a visible-area Bayer mosaic (row-major, `width * height` values) as a DNG file.
    public static func write(width: Int, height: Int, cfa: CFAPattern, blackLevels: [Float], whiteLevel: Float,
                             pixels: [UInt16], make: String, model: String,
                             exposureTime: Double, iso: Double) throws -> Data {
        guard (1 ... maximumSide).contains(width), (1 ... maximumSide).contains(height) else {
            throw DNGWritingError.invalidDimensions(width: width, height: height)
        }
        guard pixels.count == width * height else {
            throw DNGWritingError.pixelCountMismatch(expected: width * height, actual: pixels.count)
        }
        guard blackLevels.count == 4, blackLevels.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 65535 }) else {
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
            .shorts(274, [1]),                                 // Orientation: as stored
            .shorts(277, [1]),                                 // SamplesPerPixel
            .longs(278, [UInt32(height)]),                     // RowsPerStrip: one strip
            .shorts(284, [1]),                                 // PlanarConfiguration: chunky
            .shorts(33421, [2, 2]),                            // CFARepeatPatternDim
            .bytes(33422, cfa.colours.map(\.rawValue)),        // CFAPattern
            .bytes(50706, [1, 4, 0, 0]),                       // DNGVersion
            .bytes(50707, [1, 1, 0, 0]),                       // DNGBackwardVersion
            .ascii(50708, "\(make) \(model)"),                 // UniqueCameraModel
            .shorts(50713, [2, 2]),                            // BlackLevelRepeatDim
            .rationals(50714, blackLevels.map { (UInt32(($0 * 100).rounded()), 100) }),  // BlackLevel
            .longs(50717, [UInt32(whiteLevel)]),               // WhiteLevel
            .signedRationals(50721, colorMatrix.map { (Int32(($0 * 10000).rounded()), 10000) }),  // ColorMatrix1
            .rationals(50728, asShotNeutral.map { (UInt32(($0 * 1_000_000).rounded()), 1_000_000) }),  // AsShotNeutral
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
