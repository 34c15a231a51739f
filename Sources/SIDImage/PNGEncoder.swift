import CPNG
import Dispatch

/// Encodes interleaved RGB images as PNG (8 or 16 bits per sample) with an sRGB chunk, tEXt metadata and, when
/// given, the camera's EXIF block as an eXIf chunk (`CameraExif`).
public struct PNGEncoder: Sendable {
    /// zlib level 0-9.
    public var compressionLevel: Int
    /// Row filter(s) the encoder may choose from.
    public var filter: PNGFilter
    /// Threads compressing stripes of rows at once; the file's bytes are the same for any count.
    public var threads: Int

    // Defaults chosen for speed. PNGEncoderBenchmarkTests on a 2848x4256 photo-like RGB image (2-core x86_64,
    // zlib), seconds and MB, 8-bit | 16-bit, measured through libpng's own single-threaded writer before the image
    // data was deflated in stripes here (the choice between settings does not depend on who calls zlib). The stripes
    // scale with threads: `sid bench` encodes its full frame in 0.84 s on 1 thread, 0.42 s on 2.
    //            none                 sub                  paeth                adaptive
    //   level 1  0.38 17.0 | 1.71 69.2  0.32 12.2 | 1.21 55.7  0.45 12.5 | 1.56 55.8  0.55 11.9 | 1.81 55.6
    //   level 3  0.54 15.5 | 1.48 69.1  0.67 11.0 | 1.87 55.4  0.79 11.4 | 2.20 55.5  0.97 10.9 | 2.75 55.3
    //   level 6  1.17 15.3 | 1.69 69.8  3.85 10.1 | 3.32 54.0  3.35 10.5 | 3.64 54.2  3.19 10.0 | 3.91 53.9
    // Level 1 with the sub filter is the fastest at both depths and within 10-20% of the smallest files.
    /// Creates an encoder; the defaults favour encode speed over file size.
    public init(compressionLevel: Int = 1, filter: PNGFilter = .sub, threads: Int = 1) {
        self.compressionLevel = compressionLevel
        self.filter = filter
        self.threads = max(1, min(threads, 64))
    }

    /// Encodes 8-bit RGB samples (row-major, 3 per pixel) as a PNG file.
    public func encode(rgb8 samples: UnsafeBufferPointer<UInt8>, width: Int, height: Int,
                       text: [(String, String)] = [], exif: [UInt8] = []) throws -> [UInt8] {
        try validate(sampleCount: samples.count, width: width, height: height)
        return try encode(samples: UnsafeRawPointer(samples.baseAddress), width: width, height: height,
                          bitDepth: 8, text: text, exif: exif)
    }

    /// Encodes 16-bit RGB samples in host byte order (row-major, 3 per pixel) as a PNG file.
    public func encode(rgb16 samples: UnsafeBufferPointer<UInt16>, width: Int, height: Int,
                       text: [(String, String)] = [], exif: [UInt8] = []) throws -> [UInt8] {
        try validate(sampleCount: samples.count, width: width, height: height)
        return try encode(samples: UnsafeRawPointer(samples.baseAddress), width: width, height: height,
                          bitDepth: 16, text: text, exif: exif)
    }

    /// An encoder for 8-bit RGB samples whose rows are written over time (`PNGRowEncoder`); its file is what
    /// `encode(rgb8:)` makes of the finished samples.
    public func rowEncoder(rgb8 samples: UnsafeBufferPointer<UInt8>, width: Int, height: Int) throws -> PNGRowEncoder {
        try validate(sampleCount: samples.count, width: width, height: height)
        guard let base = samples.baseAddress else { throw PNGError.sampleCountMismatch(expected: width * height * 3, actual: 0) }
        return try PNGRowEncoder(encoder: self, samples: base, width: width, height: height, bitDepth: 8)
    }

    /// As `rowEncoder(rgb8:)` for 16-bit samples in host byte order.
    public func rowEncoder(rgb16 samples: UnsafeBufferPointer<UInt16>, width: Int, height: Int) throws -> PNGRowEncoder {
        try validate(sampleCount: samples.count, width: width, height: height)
        guard let base = samples.baseAddress else { throw PNGError.sampleCountMismatch(expected: width * height * 3, actual: 0) }
        return try PNGRowEncoder(encoder: self, samples: base, width: width, height: height, bitDepth: 16)
    }

    private func validate(sampleCount: Int, width: Int, height: Int) throws {
        guard width > 0, height > 0, width <= Int(Int32.max), height <= Int(Int32.max) else {
            throw PNGError.invalidDimensions(width: width, height: height)
        }
        let (pixels, pixelOverflow) = width.multipliedReportingOverflow(by: height)
        let (expected, sampleOverflow) = pixels.multipliedReportingOverflow(by: 3)
        guard !pixelOverflow, !sampleOverflow else { throw PNGError.invalidDimensions(width: width, height: height) }
        guard sampleCount == expected else {
            throw PNGError.sampleCountMismatch(expected: expected, actual: sampleCount)
        }
        guard (0...9).contains(compressionLevel) else { throw PNGError.invalidCompressionLevel(compressionLevel) }
    }

    private func encode(samples: UnsafeRawPointer?, width: Int, height: Int, bitDepth: Int32,
                        text: [(String, String)], exif: [UInt8]) throws -> [UInt8] {
        guard let samples else { throw PNGError.sampleCountMismatch(expected: width * height * 3, actual: 0) }
        return try withCArguments(text: text, exif: exif) { keys, values, exifBytes, outData, outSize, message in
            sid_png_encode_rgb(samples, UInt32(width), UInt32(height), bitDepth, Int32(compressionLevel),
                               filter.mask, Int32(threads), runOnDispatch, keys, values, Int32(text.count),
                               exifBytes.baseAddress, UInt32(exifBytes.count), outData, outSize, message)
        }
    }

    /// The file around image data `PNGRowEncoder` has deflated.
    func write(_ idat: OpaquePointer, width: Int, height: Int, bitDepth: Int32, text: [(String, String)],
               exif: [UInt8]) throws -> [UInt8] {
        try withCArguments(text: text, exif: exif) { keys, values, exifBytes, outData, outSize, message in
            sid_png_idat_write(idat, UInt32(width), UInt32(height), bitDepth, Int32(compressionLevel), keys, values,
                               Int32(text.count), exifBytes.baseAddress, UInt32(exifBytes.count), outData, outSize,
                               message)
        }
    }

    /// Text chunks and EXIF as the C side takes them, and its malloc'd file as an array.
    private func withCArguments(
        text: [(String, String)], exif: [UInt8],
        _ call: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<UnsafePointer<CChar>?>?, UnsafeBufferPointer<UInt8>,
                 UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
                 UnsafeMutablePointer<CChar>) -> sid_png_status
    ) throws -> [UInt8] {
        let keys = try text.map { try Self.keywordBytes($0.0) }
        let values = try text.map { try Self.latin1Bytes($0.1, keyword: $0.0) }
        let keyPointers = keys.map { bytes in bytes.withUnsafeBufferPointer { strdupBytes($0) } }
        let valuePointers = values.map { bytes in bytes.withUnsafeBufferPointer { strdupBytes($0) } }
        defer {
            keyPointers.forEach { $0.deallocate() }
            valuePointers.forEach { $0.deallocate() }
        }
        let keyArgument = keyPointers.map { UnsafePointer<CChar>?($0) }
        let valueArgument = valuePointers.map { UnsafePointer<CChar>?($0) }
        var outData: UnsafeMutablePointer<UInt8>?
        var outSize = 0
        var message = [CChar](repeating: 0, count: Int(SID_PNG_MESSAGE_CAPACITY))
        guard exif.count <= Int(UInt16.max) else { throw PNGError.invalidExif(byteCount: exif.count) }
        let status = keyArgument.withUnsafeBufferPointer { keyBuffer in
            valueArgument.withUnsafeBufferPointer { valueBuffer in
                exif.withUnsafeBufferPointer { exifBuffer in
                    message.withUnsafeMutableBufferPointer { messageBuffer in
                        call(keyBuffer.baseAddress, valueBuffer.baseAddress, exifBuffer, &outData, &outSize,
                             messageBuffer.baseAddress!)
                    }
                }
            }
        }
        guard status == SID_PNG_OK, let outData else {
            throw PNGError(status: status, message: String(cString: message))
        }
        defer { sid_png_free(outData) }
        return Array(UnsafeBufferPointer(start: outData, count: outSize))
    }

    /// PNG keywords: 1-79 printable Latin-1 characters, no leading/trailing/consecutive spaces (ASCII only here).
    private static func keywordBytes(_ keyword: String) throws -> [UInt8] {
        let bytes = Array(keyword.utf8)
        let printable = bytes.allSatisfy { (0x20...0x7E).contains($0) }
        guard (1...79).contains(bytes.count), printable, bytes.first != 0x20, bytes.last != 0x20,
              !keyword.contains("  ") else {
            throw PNGError.invalidTextKeyword(keyword)
        }
        return bytes
    }

    private static func latin1Bytes(_ text: String, keyword: String) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            guard scalar.value != 0, scalar.value <= 0xFF else { throw PNGError.textNotLatin1(keyword: keyword) }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }
}

/// Runs the encoder's stripes on Dispatch's threads, the process's one pool, `threads` lanes taking every
/// `threads`-th stripe: the C side starts no threads of its own.
private let runOnDispatch: sid_png_parallel_for = { count, threads, context, item in
    guard let item else { return }
    let lanes = Int(min(UInt32(max(threads, 1)), count))
    DispatchQueue.concurrentPerform(iterations: lanes) { lane in
        for index in stride(from: lane, to: Int(count), by: lanes) { item(context, UInt32(index)) }
    }
}

/// A NUL-terminated heap copy the C side can read; the caller deallocates it.
private func strdupBytes(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeMutablePointer<CChar> {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
    for (index, byte) in bytes.enumerated() { pointer[index] = CChar(bitPattern: byte) }
    pointer[bytes.count] = 0
    return pointer
}
