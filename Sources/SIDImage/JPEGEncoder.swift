import CJPEG

/// Encodes interleaved 8-bit RGB images as baseline JPEG (libjpeg-turbo) with, when given, the camera's EXIF block
/// in an APP1 segment: the small preview format (JPEG holds 8 bits per sample only).
public struct JPEGEncoder: Sendable {
    /// libjpeg quality, 1-100; 4:4:4 chroma from 90 up, 4:2:0 below.
    public var quality: Int

    /// The default quality.
    public static let defaultQuality = 90

    public init(quality: Int = JPEGEncoder.defaultQuality) {
        self.quality = quality
    }

    /// Encodes 8-bit RGB samples (row-major, 3 per pixel); `exif` is a TIFF-structured block ("II*\0..."), the
    /// same bytes a PNG eXIf chunk holds.
    public func encode(rgb8 samples: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       exif: [UInt8] = []) throws -> [UInt8] {
        try ImageEncodingError.validate(format: .jpeg, sampleCount: samples.count, width: width, height: height)
        guard (1...100).contains(quality) else { throw ImageEncodingError.invalidQuality(quality) }
        guard exif.count <= 65_527 else { throw ImageEncodingError.exifTooLarge(byteCount: exif.count) }
        var outData: UnsafeMutablePointer<UInt8>?
        var outSize = 0
        var message = [CChar](repeating: 0, count: Int(SID_JPEG_MESSAGE_CAPACITY))
        let status = exif.withUnsafeBufferPointer { exifBuffer in
            sid_jpeg_encode_rgb8(samples.baseAddress, UInt32(width), UInt32(height), Int32(quality),
                                 exifBuffer.baseAddress, exif.count, &outData, &outSize, &message)
        }
        guard status == SID_JPEG_OK, let outData else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if status == SID_JPEG_OUT_OF_MEMORY { throw ImageEncodingError.outOfMemory(text) }
            throw ImageEncodingError.library(format: .jpeg, message: text)
        }
        defer { sid_jpeg_free(outData) }
        return Array(UnsafeBufferPointer(start: outData, count: outSize))
    }
}
