/// Recognises common non-raw formats by their first bytes, to tell a person what they sent instead of a raw.
enum FileSignature: Equatable, Sendable {
    case png, jpeg, gif, webp, pdf, zip, text
    /// TIFF structure: most raw formats (ARW, CR2, NEF, DNG) and plain TIFF images.
    case tiffBased
    /// ISO base media: HEIF, AVIF, MP4, and Canon CR3.
    case isoMedia
    case unknown

    init(_ bytes: UnsafeRawBufferPointer) {
        func starts(with prefix: [UInt8], at offset: Int = 0) -> Bool {
            bytes.count >= offset + prefix.count && prefix.indices.allSatisfy { bytes[offset + $0] == prefix[$0] }
        }
        if starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if starts(with: Array("GIF8".utf8)) {
            self = .gif
        } else if starts(with: Array("RIFF".utf8)), starts(with: Array("WEBP".utf8), at: 8) {
            self = .webp
        } else if starts(with: Array("%PDF".utf8)) {
            self = .pdf
        } else if starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            self = .zip
        } else if starts(with: [0x49, 0x49, 0x2A, 0x00]) || starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            self = .tiffBased
        } else if starts(with: Array("ftyp".utf8), at: 4) {
            self = .isoMedia
        } else if Self.looksLikeText(bytes) {
            self = .text
        } else {
            self = .unknown
        }
    }

    /// A phrase for error messages; nil when nothing useful can be said.
    var phrase: String? {
        switch self {
        case .png: return "a PNG image"
        case .jpeg: return "a JPEG image"
        case .gif: return "a GIF image"
        case .webp: return "a WebP image"
        case .pdf: return "a PDF document"
        case .zip: return "a ZIP archive"
        case .text: return "text"
        case .tiffBased: return "a TIFF-based file (a plain TIFF, or a raw from a camera LibRaw 0.20 does not know)"
        case .isoMedia: return "an ISO media file (HEIF, AVIF, MP4 or an unsupported CR3)"
        case .unknown: return nil
        }
    }

    /// Containers raw formats use: a read error inside one means a damaged raw rather than a foreign file.
    var isRawContainer: Bool {
        self == .tiffBased || self == .isoMedia
    }

    private static func looksLikeText(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let sample = bytes.prefix(512)
        return !sample.isEmpty
            && sample.allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || (0x20 ... 0x7E).contains($0) }
    }
}
