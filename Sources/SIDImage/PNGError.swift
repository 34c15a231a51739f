import CPNG

/// Why a PNG could not be encoded or decoded.
public enum PNGError: Error, Equatable, CustomStringConvertible {
    case invalidDimensions(width: Int, height: Int)
    case sampleCountMismatch(expected: Int, actual: Int)
    case invalidCompressionLevel(Int)
    case invalidTextKeyword(String)
    case textNotLatin1(keyword: String)
    /// An EXIF block too large for the eXIf chunk sid writes (its offsets are kept within 64 KiB).
    case invalidExif(byteCount: Int)
    case notPNG
    case truncated
    case tooLarge(String)
    case outOfMemory(String)
    case libpng(String)

    public var description: String {
        switch self {
        case let .invalidDimensions(width, height):
            return "a PNG must be between 1 and \(Int32.max) pixels on each side, got \(width)x\(height)"
        case let .sampleCountMismatch(expected, actual):
            return "the image needs \(expected) samples (width x height x 3) but \(actual) were given"
        case let .invalidCompressionLevel(level):
            return "the PNG compression level must be between 0 and 9, got \(level)"
        case let .invalidTextKeyword(keyword):
            return "the PNG text keyword \"\(keyword)\" is not 1-79 printable ASCII characters without leading, trailing or double spaces"
        case let .textNotLatin1(keyword):
            return "the PNG text for \"\(keyword)\" cannot be written as Latin-1 (tEXt chunks hold Latin-1 text without NUL)"
        case let .invalidExif(byteCount):
            return "the EXIF block has \(byteCount) bytes, more than the 65535 an eXIf chunk of sid's holds"
        case .notPNG:
            return "the data is not a PNG file: it does not start with the PNG signature"
        case .truncated:
            return "the PNG file is truncated: the data ends before the image is complete"
        case let .tooLarge(detail):
            return "the PNG is too large to decode: \(detail)"
        case let .outOfMemory(detail):
            return "ran out of memory while handling the PNG: \(detail)"
        case let .libpng(detail):
            return "the PNG is invalid: \(detail)"
        }
    }
}

extension PNGError {
    /// Maps a status from the C layer, keeping libpng's own words where it gave any.
    init(status: sid_png_status, message: String) {
        switch status {
        case SID_PNG_NOT_PNG: self = .notPNG
        case SID_PNG_TRUNCATED: self = .truncated
        case SID_PNG_TOO_LARGE: self = .tooLarge(message)
        case SID_PNG_OUT_OF_MEMORY: self = .outOfMemory(message)
        default: self = .libpng(message)
        }
    }
}
