/// One little-endian TIFF directory entry with its value already encoded.
public struct TIFFEntry: Sendable {
    /// TIFF 6.0 field types used by DNG writing.
    enum FieldType: UInt16, Sendable {
        case byte = 1, ascii = 2, short = 3, long = 4, rational = 5, undefined = 7, signedRational = 10
    }

    let tag: UInt16
    let type: FieldType
    let count: UInt32
    /// The encoded value bytes; stored inline when at most 4 bytes, otherwise out of line.
    let payload: [UInt8]

    public static func bytes(_ tag: UInt16, _ values: [UInt8]) -> TIFFEntry {
        TIFFEntry(tag: tag, type: .byte, count: UInt32(values.count), payload: values)
    }

    public static func undefined(_ tag: UInt16, _ values: [UInt8]) -> TIFFEntry {
        TIFFEntry(tag: tag, type: .undefined, count: UInt32(values.count), payload: values)
    }

    /// ASCII strings are NUL-terminated; non-ASCII characters are replaced so readers never see invalid bytes.
    public static func ascii(_ tag: UInt16, _ text: String) -> TIFFEntry {
        var encoded = text.unicodeScalars.map { $0.isASCII && $0.value != 0 ? UInt8($0.value) : UInt8(ascii: "?") }
        encoded.append(0)
        return TIFFEntry(tag: tag, type: .ascii, count: UInt32(encoded.count), payload: encoded)
    }

    public static func shorts(_ tag: UInt16, _ values: [UInt16]) -> TIFFEntry {
        var payload: [UInt8] = []
        payload.reserveCapacity(values.count * 2)
        for value in values { appendLittleEndian(value, to: &payload) }
        return TIFFEntry(tag: tag, type: .short, count: UInt32(values.count), payload: payload)
    }

    public static func longs(_ tag: UInt16, _ values: [UInt32]) -> TIFFEntry {
        var payload: [UInt8] = []
        payload.reserveCapacity(values.count * 4)
        for value in values { appendLittleEndian(value, to: &payload) }
        return TIFFEntry(tag: tag, type: .long, count: UInt32(values.count), payload: payload)
    }

    public static func rationals(_ tag: UInt16, _ values: [(numerator: UInt32, denominator: UInt32)]) -> TIFFEntry {
        var payload: [UInt8] = []
        payload.reserveCapacity(values.count * 8)
        for value in values {
            appendLittleEndian(value.numerator, to: &payload)
            appendLittleEndian(value.denominator, to: &payload)
        }
        return TIFFEntry(tag: tag, type: .rational, count: UInt32(values.count), payload: payload)
    }

    public static func signedRationals(_ tag: UInt16, _ values: [(numerator: Int32, denominator: Int32)]) -> TIFFEntry {
        var payload: [UInt8] = []
        payload.reserveCapacity(values.count * 8)
        for value in values {
            appendLittleEndian(UInt32(bitPattern: value.numerator), to: &payload)
            appendLittleEndian(UInt32(bitPattern: value.denominator), to: &payload)
        }
        return TIFFEntry(tag: tag, type: .signedRational, count: UInt32(values.count), payload: payload)
    }

    static func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
