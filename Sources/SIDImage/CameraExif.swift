import Foundation

/// The camera's description of a picture, as an EXIF block for the PNG's eXIf chunk (PNG 3): a little-endian TIFF
/// structure with IFD0 (Make, Model, Orientation, Software) and an Exif IFD (exposure, aperture, ISO, capture time,
/// focal length, lens). Fields the camera did not record are left out rather than written as 0.
public struct CameraExif: Equatable, Sendable {
    public var make = ""
    public var model = ""
    /// EXIF Orientation (1 = upright as stored). sid writes the image upright, so this is 1 unless the caller asked
    /// for sensor geometry, where it says how to display it.
    public var orientation: UInt16 = 1
    /// Names sid, the model and the ratio.
    public var software = ""
    /// Seconds; 0 when unknown.
    public var exposureTime: Double = 0
    public var fNumber: Double = 0
    public var iso: Double = 0
    /// The camera clock's reading, no time zone ("YYYY:MM:DD HH:MM:SS"), from seconds since 1970; 0 when unknown.
    public var captureTime: Int = 0
    /// Millimetres; 0 when unknown.
    public var focalLength: Double = 0
    public var lens = ""

    public init() {}

    /// The TIFF-structured block: "II*\0", IFD0 at offset 8, the Exif IFD after it, then the values too large for
    /// an entry.
    public var bytes: [UInt8] {
        var main: [Entry] = []
        if !make.isEmpty { main.append(.ascii(271, make)) }
        if !model.isEmpty { main.append(.ascii(272, model)) }
        main.append(.short(274, orientation))
        if !software.isEmpty { main.append(.ascii(305, software)) }
        var exif: [Entry] = []
        if exposureTime > 0 { exif.append(.rational(33434, Self.rational(exposureTime))) }
        if fNumber > 0 { exif.append(.rational(33437, Self.rational(fNumber))) }
        if iso > 0 { exif.append(.short(34855, UInt16(min(iso.rounded(), 65535)))) }
        exif.append(.undefined(36864, Array("0232".utf8)))
        if captureTime > 0 { exif.append(.ascii(36867, Self.exifDate(captureTime))) }
        if focalLength > 0 { exif.append(.rational(37386, Self.rational(focalLength))) }
        if !lens.isEmpty { exif.append(.ascii(42036, lens)) }

        // IFD0 gains the ExifIFDPointer (34665), whose value is the Exif IFD's offset.
        let mainCount = main.count + 1
        let mainSize = 2 + 12 * mainCount + 4
        let exifOffset = 8 + mainSize
        let exifSize = 2 + 12 * exif.count + 4
        var dataOffset = exifOffset + exifSize
        var data: [UInt8] = []
        var out: [UInt8] = [0x49, 0x49, 42, 0]
        Self.append(UInt32(8), to: &out)

        func write(_ entries: [Entry], next: UInt32) {
            Self.append(UInt16(entries.count), to: &out)
            for entry in entries.sorted(by: { $0.tag < $1.tag }) {
                Self.append(entry.tag, to: &out)
                Self.append(entry.type, to: &out)
                Self.append(UInt32(entry.count), to: &out)
                if entry.payload.count <= 4 {
                    out += entry.payload + [UInt8](repeating: 0, count: 4 - entry.payload.count)
                } else {
                    Self.append(UInt32(dataOffset), to: &out)
                    data += entry.payload
                    if entry.payload.count % 2 == 1 { data.append(0) }
                    dataOffset = exifOffset + exifSize + data.count
                }
            }
            Self.append(next, to: &out)
        }
        write(main + [.long(34665, UInt32(exifOffset))], next: 0)
        write(exif, next: 0)
        return out + data
    }

    // MARK: - TIFF entries

    struct Entry {
        let tag: UInt16
        let type: UInt16
        let count: Int
        let payload: [UInt8]

        static func ascii(_ tag: UInt16, _ text: String) -> Entry {
            // EXIF ASCII is 7-bit; anything else the camera wrote becomes '?'.
            let bytes = text.unicodeScalars.map { $0.isASCII && $0.value >= 0x20 ? UInt8($0.value) : UInt8(ascii: "?") }
            return Entry(tag: tag, type: 2, count: bytes.count + 1, payload: bytes + [0])
        }

        static func short(_ tag: UInt16, _ value: UInt16) -> Entry {
            var payload: [UInt8] = []
            CameraExif.append(value, to: &payload)
            return Entry(tag: tag, type: 3, count: 1, payload: payload)
        }

        static func long(_ tag: UInt16, _ value: UInt32) -> Entry {
            var payload: [UInt8] = []
            CameraExif.append(value, to: &payload)
            return Entry(tag: tag, type: 4, count: 1, payload: payload)
        }

        static func rational(_ tag: UInt16, _ value: (UInt32, UInt32)) -> Entry {
            var payload: [UInt8] = []
            CameraExif.append(value.0, to: &payload)
            CameraExif.append(value.1, to: &payload)
            return Entry(tag: tag, type: 5, count: 1, payload: payload)
        }

        static func undefined(_ tag: UInt16, _ bytes: [UInt8]) -> Entry {
            Entry(tag: tag, type: 7, count: bytes.count, payload: bytes)
        }
    }

    /// Exposure times are usually 1/n s and are kept exact that way; everything else to 1/1000.
    static func rational(_ value: Double) -> (UInt32, UInt32) {
        if value < 1, value > 0 {
            let inverse = 1 / value
            if abs(inverse - inverse.rounded()) < 1e-3 * inverse { return (1, UInt32(min(inverse.rounded(), 4e9))) }
        }
        return (UInt32(min((value * 1000).rounded(), 4e9)), 1000)
    }

    static func exifDate(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        // LibRaw made the seconds with mktime from the camera's local reading; localtime_r undoes exactly that.
        localtime_r(&time, &parts)
        return String(format: "%04d:%02d:%02d %02d:%02d:%02d", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
}
