import CTIFF
import Glibc

/// Encodes interleaved RGB images as baseline TIFF (libtiff), 16 bits per sample by default: the format editing
/// tools take, with an Orientation tag (1 when the samples are upright), the camera's names as ASCII tags and its
/// exposure (ExposureTime, FNumber, ISO, DateTimeOriginal, FocalLength, LensModel) in an Exif IFD.
public struct TIFFEncoder: Sendable {
    public enum Compression: Sendable, Equatable {
        case none
        case lzw
        /// zlib level 1-9.
        case deflate(level: Int)
    }

    /// ASCII tags of the file's first IFD.
    public enum TextTag: Int, Sendable {
        case imageDescription = 270
        case make = 271
        case model = 272
        case software = 305
        case dateTime = 306
        case artist = 315
        case copyright = 33432
    }

    public var compression: Compression

    // Deflate level 1 with the horizontal predictor: see the README's encode figures for the choice.
    public init(compression: Compression = .deflate(level: 1)) {
        self.compression = compression
    }

    /// Encodes 8-bit RGB samples (row-major, 3 per pixel).
    /// `orientation` is the TIFF/EXIF Orientation (1: upright as stored). Of `exif`, the exposure fields go to the
    /// Exif IFD; its make, model, orientation and software are the caller's `text` and `orientation` here.
    public func encode(rgb8 samples: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       text: [(TextTag, String)] = [], orientation: UInt16 = 1, exif: CameraExif? = nil) throws -> [UInt8] {
        try ImageEncodingError.validate(format: .tiff, sampleCount: samples.count, width: width, height: height)
        return try encode(UnsafeRawPointer(samples.baseAddress!), width: width, height: height, bitDepth: 8, text: text,
                          orientation: orientation, exif: exif)
    }

    /// Encodes 16-bit RGB samples in host byte order (row-major, 3 per pixel).
    public func encode(rgb16 samples: UnsafeBufferPointer<UInt16>, width: Int, height: Int,
                       text: [(TextTag, String)] = [], orientation: UInt16 = 1, exif: CameraExif? = nil) throws -> [UInt8] {
        try ImageEncodingError.validate(format: .tiff, sampleCount: samples.count, width: width, height: height)
        return try encode(UnsafeRawPointer(samples.baseAddress!), width: width, height: height, bitDepth: 16, text: text,
                          orientation: orientation, exif: exif)
    }

    private func encode(_ samples: UnsafeRawPointer, width: Int, height: Int, bitDepth: Int32,
                        text: [(TextTag, String)], orientation: UInt16, exif: CameraExif?) throws -> [UInt8] {
        guard (1...8).contains(orientation) else { throw ImageEncodingError.invalidOrientation(Int(orientation)) }
        let scheme: Int32, level: Int32
        switch compression {
        case .none: (scheme, level) = (Int32(SID_TIFF_COMPRESSION_NONE), 1)
        case .lzw: (scheme, level) = (Int32(SID_TIFF_COMPRESSION_LZW), 1)
        case let .deflate(value):
            guard (1...9).contains(value) else { throw ImageEncodingError.invalidCompressionLevel(value) }
            (scheme, level) = (Int32(SID_TIFF_COMPRESSION_DEFLATE), Int32(value))
        }
        for (tag, value) in text where !value.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) {
            throw ImageEncodingError.textNotASCII(tag: tag.rawValue)
        }
        let values = text.map { strdup($0.1)! }
        defer { values.forEach { free($0) } }
        let entries = zip(text, values).map { sid_tiff_text(tag: UInt32($0.0.rawValue), value: $1) }
        // EXIF ASCII is 7-bit; anything else the camera wrote becomes '?', as in CameraExif's block.
        let date = exif.map { $0.captureTime > 0 ? strdup(CameraExif.exifDate($0.captureTime))! : strdup("")! }
        let lens = exif.map { strdup(String($0.lens.unicodeScalars.map { (0x20...0x7E).contains($0.value) ? Character($0) : "?" }))! }
        defer {
            free(date)
            free(lens)
        }
        let camera = exif.map {
            sid_tiff_exif(exposure_time: $0.exposureTime, f_number: $0.fNumber, focal_length: $0.focalLength,
                          iso: Int32(min(max($0.iso.rounded(), 0), 65535)), date_time_original: date, lens_model: lens)
        }
        var outData: UnsafeMutablePointer<UInt8>?
        var outSize = 0
        var message = [CChar](repeating: 0, count: Int(SID_TIFF_MESSAGE_CAPACITY))
        func write(_ exif: UnsafePointer<sid_tiff_exif>?) -> sid_tiff_status {
            entries.withUnsafeBufferPointer { tags in
                sid_tiff_encode_rgb(samples, UInt32(width), UInt32(height), bitDepth, scheme, level, Int32(orientation),
                                    tags.baseAddress, Int32(tags.count), exif, &outData, &outSize, &message)
            }
        }
        let status = if let camera { withUnsafePointer(to: camera) { write($0) } } else { write(nil) }
        guard status == SID_TIFF_OK, let outData else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if status == SID_TIFF_OUT_OF_MEMORY { throw ImageEncodingError.outOfMemory(text) }
            throw ImageEncodingError.library(format: .tiff, message: text)
        }
        defer { sid_tiff_free(outData) }
        return Array(UnsafeBufferPointer(start: outData, count: outSize))
    }
}
