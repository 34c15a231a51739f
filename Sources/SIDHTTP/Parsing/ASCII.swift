/// Byte values and character classes of HTTP syntax (RFC 9110, RFC 9112).
enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let dash: UInt8 = 0x2D
    static let colon: UInt8 = 0x3A
}

extension String {
    /// Drops leading and trailing SP and HTAB (OWS in RFC 9110).
    func trimmingOptionalWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
