/// The file formats sid writes, with what each can hold: what the service negotiates and the CLI picks by extension.
public enum ImageFormat: String, Sendable, CaseIterable, Equatable {
    case png
    case jpeg
    case tiff

    /// The media type (`Content-Type`, `Accept`).
    public var mediaType: String {
        switch self {
        case .png: return "image/png"
        case .jpeg: return "image/jpeg"
        case .tiff: return "image/tiff"
        }
    }

    /// The name in messages.
    public var name: String {
        switch self {
        case .png: return "PNG"
        case .jpeg: return "JPEG"
        case .tiff: return "TIFF"
        }
    }

    /// Bits per sample the format is written with; the first is the default.
    public var bitDepths: [Int] {
        switch self {
        case .png: return [8, 16]
        case .jpeg: return [8]
        case .tiff: return [16, 8]
        }
    }

    /// The extension of a file in this format (without the dot).
    public var fileExtension: String {
        switch self {
        case .png: return "png"
        case .jpeg: return "jpg"
        case .tiff: return "tiff"
        }
    }

    /// The largest width or height the format (as written here) holds.
    public var maximumSide: Int {
        switch self {
        case .png: return Int(Int32.max)
        case .jpeg: return 65_500
        case .tiff: return Int(UInt32.max)
        }
    }

    /// The format a media type or a `format=` value names ("png", "jpeg", "jpg", "tiff", "tif", "image/jpeg", ...),
    /// nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "png", "image/png": self = .png
        case "jpeg", "jpg", "image/jpeg": self = .jpeg
        case "tiff", "tif", "image/tiff": self = .tiff
        default: return nil
        }
    }

    /// The format a file name's extension names, nil when it names none of them.
    public init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: ".") else { return nil }
        let ext = fileName[fileName.index(after: dot)...]
        guard !ext.isEmpty, !ext.contains("/") else { return nil }
        self.init(name: String(ext))
    }
}
