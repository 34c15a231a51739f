/// Why a JPEG or TIFF could not be encoded (PNG has its own `PNGError`, which also covers decoding).
public enum ImageEncodingError: Error, Equatable, CustomStringConvertible {
    case invalidDimensions(format: ImageFormat, width: Int, height: Int)
    case sampleCountMismatch(expected: Int, actual: Int)
    case invalidQuality(Int)
    case invalidCompressionLevel(Int)
    case exifTooLarge(byteCount: Int)
    case textNotASCII(tag: Int)
    case invalidOrientation(Int)
    case outOfMemory(String)
    /// libjpeg's or libtiff's own words.
    case library(format: ImageFormat, message: String)

    public var description: String {
        switch self {
        case let .invalidDimensions(format, width, height):
            return "a \(format.name) must be between 1 and \(format.maximumSide) pixels on each side, got \(width)x\(height)"
        case let .sampleCountMismatch(expected, actual):
            return "the image needs \(expected) samples (width x height x 3) but \(actual) were given"
        case let .invalidQuality(quality):
            return "the JPEG quality must be between 1 and 100, got \(quality)"
        case let .invalidCompressionLevel(level):
            return "the TIFF deflate level must be between 1 and 9, got \(level)"
        case let .exifTooLarge(byteCount):
            return "the EXIF block has \(byteCount) bytes, more than the 65527 a JPEG APP1 segment holds"
        case let .textNotASCII(tag):
            return "the text of TIFF tag \(tag) is not printable ASCII"
        case let .invalidOrientation(value):
            return "a TIFF Orientation is 1 to 8, got \(value)"
        case let .outOfMemory(detail):
            return "ran out of memory while encoding the image: \(detail)"
        case let .library(format, message):
            return "the \(format.name) encoder failed: \(message)"
        }
    }
}

extension ImageEncodingError {
    /// Checks the parts every encoder shares: a positive size the format can hold, 3 samples per pixel.
    static func validate(format: ImageFormat, sampleCount: Int, width: Int, height: Int) throws {
        guard width > 0, height > 0, width <= format.maximumSide, height <= format.maximumSide else {
            throw ImageEncodingError.invalidDimensions(format: format, width: width, height: height)
        }
        let expected = width * height * 3
        guard sampleCount == expected else {
            throw ImageEncodingError.sampleCountMismatch(expected: expected, actual: sampleCount)
        }
    }
}
