import CPNG
import CPNGTestDecoder
import Foundation
import SIDImage

/// Decodes PNG files held in memory, for the tests and the fuzzer that check what the encoder wrote (the service
/// itself never reads a PNG). Failures are the encoder's `PNGError`s.
public struct PNGDecoder: Sendable {
    /// Images with more pixels than this are refused before any sample is decoded.
    public var maxPixelCount: Int

    /// Creates a decoder that refuses images larger than `maxPixelCount` pixels.
    public init(maxPixelCount: Int = 1 << 28) {
        self.maxPixelCount = maxPixelCount
    }

    /// Decodes a whole PNG file.
    public func decode(_ bytes: [UInt8]) throws -> DecodedPNG {
        var image = sid_png_image()
        var message = [CChar](repeating: 0, count: Int(SID_PNG_MESSAGE_CAPACITY))
        let status = bytes.withUnsafeBufferPointer { buffer in
            sid_png_decode(buffer.baseAddress, buffer.count, UInt64(max(maxPixelCount, 0)), &image, &message)
        }
        guard status == SID_PNG_OK else { throw Self.error(status, message: String(cString: message)) }
        defer { sid_png_image_free(&image) }

        let sampleCount = Int(image.width) * Int(image.height) * Int(image.channels)
        var samples = [UInt16](repeating: 0, count: sampleCount)
        if let source = image.samples, sampleCount > 0 {
            samples.withUnsafeMutableBufferPointer { destination in
                if image.bit_depth == 16 {
                    UnsafeRawPointer(source).withMemoryRebound(to: UInt16.self, capacity: sampleCount) { wide in
                        destination.baseAddress!.update(from: wide, count: sampleCount)
                    }
                } else {
                    for index in 0..<sampleCount { destination[index] = UInt16(source[index]) }
                }
            }
        }

        var text: [(key: String, value: String)] = []
        for index in 0..<Int(image.text_count) {
            let entry = image.texts[index]
            guard let key = entry.key, let value = entry.value else { continue }
            let valueBytes = UnsafeBufferPointer(start: UnsafeRawPointer(value).assumingMemoryBound(to: UInt8.self),
                                                 count: entry.value_length)
            let decodedValue = entry.utf8 != 0
                ? String(decoding: valueBytes, as: UTF8.self)
                : String(String.UnicodeScalarView(valueBytes.map { Unicode.Scalar($0) }))
            text.append((key: Self.latin1String(key), value: decodedValue))
        }
        return DecodedPNG(width: Int(image.width), height: Int(image.height), bitDepth: Int(image.bit_depth),
                          channels: Int(image.channels), samples: samples, text: text, hasSRGB: image.has_srgb != 0)
    }

    private static func error(_ status: sid_png_status, message: String) -> PNGError {
        switch status {
        case SID_PNG_NOT_PNG: return .notPNG
        case SID_PNG_TRUNCATED: return .truncated
        case SID_PNG_TOO_LARGE: return .tooLarge(message)
        case SID_PNG_OUT_OF_MEMORY: return .outOfMemory(message)
        default: return .libpng(message)
        }
    }

    private static func latin1String(_ cString: UnsafePointer<CChar>) -> String {
        let length = strlen(cString)
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self),
                                        count: length)
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}

/// A decoded PNG: samples are widened to UInt16 (8-bit images keep values 0-255) and interleaved by channel.
public struct DecodedPNG: Sendable {
    /// Pixels per row.
    public var width: Int
    /// Number of rows.
    public var height: Int
    /// Bits per sample after expansion: 8 or 16.
    public var bitDepth: Int
    /// Samples per pixel: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    /// Row-major interleaved samples, width x height x channels of them.
    public var samples: [UInt16]
    /// Text chunks (tEXt, zTXt, iTXt) in file order.
    public var text: [(key: String, value: String)]
    /// Whether the file carries an sRGB chunk.
    public var hasSRGB: Bool

    /// The value of the first text chunk with this keyword.
    public func textValue(forKey key: String) -> String? {
        text.first { $0.key == key }?.value
    }
}
