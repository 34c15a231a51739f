/// Builds the header of a decoder request or response: fixed-width numbers in the machine's byte order (both
/// ends are the same executable on the same machine) and length-prefixed UTF-8 strings.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ value: Float) {
        append(value.bitPattern)
    }

    mutating func append(_ value: Double) {
        append(value.bitPattern)
    }

    /// A count that fits 32 bits; larger strings are cut to `WireReader.maxStringBytes` on a character boundary.
    mutating func append(_ text: String) {
        var utf8 = Array(text.utf8)
        if utf8.count > WireReader.maxStringBytes {
            // Cut at a scalar boundary so the reader's strict UTF-8 check accepts it.
            var end = WireReader.maxStringBytes
            while end > 0, utf8[end] & 0xC0 == 0x80 { end -= 1 }
            utf8 = Array(utf8[..<end])
        }
        append(UInt32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func append(_ values: [Float]) {
        append(UInt32(values.count))
        for value in values { append(value) }
    }

    mutating func append(raw: [UInt8]) {
        bytes.append(contentsOf: raw)
    }
}
