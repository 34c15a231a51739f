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
