/// Lays out a little-endian TIFF with one image directory, an optional Exif directory and one pixel strip.
///
/// The layout is header, IFD0 and its out-of-line values, the Exif IFD and its values, then the strip last, so a
/// file cut short loses pixels before it loses structure. The encoder owns the three offset-bearing tags
/// (StripOffsets, StripByteCounts, ExifIFD) because their values depend on the layout.
public struct TIFFEncoder: Sendable {
    static let stripOffsetsTag: UInt16 = 273
    static let stripByteCountsTag: UInt16 = 279
    static let exifIFDTag: UInt16 = 34665
    private static let headerSize = 8

    var mainEntries: [TIFFEntry]
    var exifEntries: [TIFFEntry]

    public init(mainEntries: [TIFFEntry], exifEntries: [TIFFEntry]) {
        self.mainEntries = mainEntries
        self.exifEntries = exifEntries
    }

    /// Encodes the file; `fillStrip` writes exactly `stripByteCount` bytes of pixel data into the buffer it is given.
    public func encode(stripByteCount: Int, fillStrip: (UnsafeMutableRawBufferPointer) -> Void) -> [UInt8] {
        // Placeholder offsets have the same encoded size as the real ones, so the layout is computed once.
        let placeholderMain = withOffsetEntries(mainEntries, exifOffset: exifEntries.isEmpty ? nil : 0,
                                                stripOffset: 0, stripByteCount: stripByteCount)
        let mainSize = Self.directorySize(placeholderMain)
        let exifOffset = Self.headerSize + mainSize
        let exifSize = exifEntries.isEmpty ? 0 : Self.directorySize(exifEntries.sorted { $0.tag < $1.tag })
        let stripOffset = Self.aligned(exifOffset + exifSize, to: 16)
        let main = withOffsetEntries(mainEntries, exifOffset: exifEntries.isEmpty ? nil : exifOffset,
                                     stripOffset: stripOffset, stripByteCount: stripByteCount)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(stripOffset + stripByteCount)
        bytes.append(contentsOf: [UInt8(ascii: "I"), UInt8(ascii: "I")])
        TIFFEntry.appendLittleEndian(UInt16(42), to: &bytes)
        TIFFEntry.appendLittleEndian(UInt32(Self.headerSize), to: &bytes)
        Self.appendDirectory(main, at: Self.headerSize, to: &bytes)
        if !exifEntries.isEmpty {
            Self.appendDirectory(exifEntries.sorted { $0.tag < $1.tag }, at: exifOffset, to: &bytes)
        }
        bytes.append(contentsOf: repeatElement(0, count: stripOffset - bytes.count))
        bytes.append(contentsOf: repeatElement(0, count: stripByteCount))
        bytes.withUnsafeMutableBytes { whole in
            fillStrip(UnsafeMutableRawBufferPointer(rebasing: whole[stripOffset ..< stripOffset + stripByteCount]))
        }
        return bytes
    }

    private func withOffsetEntries(_ entries: [TIFFEntry], exifOffset: Int?, stripOffset: Int,
                                   stripByteCount: Int) -> [TIFFEntry] {
        let owned: Set<UInt16> = [Self.stripOffsetsTag, Self.stripByteCountsTag, Self.exifIFDTag]
        var result = entries.filter { !owned.contains($0.tag) }
        result.append(.longs(Self.stripOffsetsTag, [UInt32(truncatingIfNeeded: stripOffset)]))
        result.append(.longs(Self.stripByteCountsTag, [UInt32(truncatingIfNeeded: stripByteCount)]))
        if let exifOffset {
            result.append(.longs(Self.exifIFDTag, [UInt32(truncatingIfNeeded: exifOffset)]))
        }
        return result.sorted { $0.tag < $1.tag }
    }

    /// Entry table plus out-of-line values, each value padded to an even offset as TIFF requires.
    private static func directorySize(_ entries: [TIFFEntry]) -> Int {
        let table = 2 + 12 * entries.count + 4
        let values = entries.reduce(0) { $0 + ($1.payload.count > 4 ? aligned($1.payload.count, to: 2) : 0) }
        return table + values
    }

    private static func appendDirectory(_ entries: [TIFFEntry], at offset: Int, to bytes: inout [UInt8]) {
        precondition(bytes.count == offset, "directories are written contiguously")
        var valueOffset = offset + 2 + 12 * entries.count + 4
        var values: [UInt8] = []
        TIFFEntry.appendLittleEndian(UInt16(entries.count), to: &bytes)
        for entry in entries {
            TIFFEntry.appendLittleEndian(entry.tag, to: &bytes)
            TIFFEntry.appendLittleEndian(entry.type.rawValue, to: &bytes)
            TIFFEntry.appendLittleEndian(entry.count, to: &bytes)
            if entry.payload.count <= 4 {
                bytes.append(contentsOf: entry.payload)
                bytes.append(contentsOf: repeatElement(0, count: 4 - entry.payload.count))
            } else {
                TIFFEntry.appendLittleEndian(UInt32(valueOffset), to: &bytes)
                values.append(contentsOf: entry.payload)
                if entry.payload.count % 2 == 1 { values.append(0) }
                valueOffset += aligned(entry.payload.count, to: 2)
            }
        }
        TIFFEntry.appendLittleEndian(UInt32(0), to: &bytes)  // no next IFD
        bytes.append(contentsOf: values)
    }

    private static func aligned(_ value: Int, to alignment: Int) -> Int {
        (value + alignment - 1) / alignment * alignment
    }
}
