/// Refuses TIFF-based raws (DNG, ARW, NEF, CR2, ...) whose header promises far more decoding work than their
/// bytes can honestly hold, before LibRaw allocates anything: the decompression bombs.
///
/// A 21 KB DNG can declare 9984x9984 pixels in lossless-JPEG tiles that all point at one small tile: LibRaw
/// then decodes 100 megapixels from 8 KB, for seconds of CPU and gigabytes of memory. Read from the IFDs alone:
/// - declared image sizes over the pixel limit, or a colour-filter image too small to use;
/// - tiles or strips of one image that share or overlap their bytes (honest writers never do this);
/// - fewer compressed bytes than the image could possibly need: lossless JPEG and uncompressed data spend at
///   least a bit per sample (we allow half), any other compression is refused beyond 2048:1 (deflate's limit
///   is about 1032:1).
/// Files that are not TIFF-based, or whose IFDs cannot be walked, are left to LibRaw.
public struct TIFFLayoutCheck: Sendable {
    public let maxPixels: Int

    public init(maxPixels: Int) {
        self.maxPixels = maxPixels
    }

    /// Throws `RawDecodingError.tooManyPixels`, `.tooSmall` or `.truncatedOrCorrupt` for a bomb; returns for
    /// anything else.
    public func check(_ bytes: UnsafeRawBufferPointer) throws {
        guard let reader = Reader(bytes), let first = reader.uint32(at: 4) else { return }
        var pending = [Int(first)]
        var visited: Set<Int> = []
        while let offset = pending.popLast(), visited.count < Self.maxDirectories {
            guard offset > 0, visited.insert(offset).inserted, let directory = reader.directory(at: offset) else { continue }
            try check(directory, fileSize: bytes.count)
            pending += directory.values(Tag.subIFDs).map(Int.init)
            if let next = directory.next { pending.append(next) }
        }
    }

    static let maxDirectories = 64
    /// Half a bit per sample: lossless JPEG's Huffman codes are at least one bit long.
    static let minimumBitsPerSample = 0.5
    static let maximumOtherRatio = 2048.0

    private enum Tag {
        static let width: UInt16 = 256, height: UInt16 = 257, compression: UInt16 = 259, photometric: UInt16 = 262
        static let stripOffsets: UInt16 = 273, samplesPerPixel: UInt16 = 277, stripByteCounts: UInt16 = 279
        static let tileOffsets: UInt16 = 324, tileByteCounts: UInt16 = 325, subIFDs: UInt16 = 330
    }

    private func check(_ directory: Directory, fileSize: Int) throws {
        guard let width = directory.values(Tag.width).first.map(Int.init),
              let height = directory.values(Tag.height).first.map(Int.init) else { return }
        // Two 32-bit sides can multiply past Int.max (a mutated IFD in the soak did), so the product is checked.
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw RawDecodingError.tooManyPixels(width: width, height: height, limit: maxPixels)
        }
        let photometric = directory.values(Tag.photometric).first
        if photometric == 32803, min(width, height) < RawDecodingError.minimumVisibleSide {
            throw RawDecodingError.tooSmall(width: width, height: height)
        }
        var offsets = directory.values(Tag.tileOffsets), counts = directory.values(Tag.tileByteCounts)
        if offsets.isEmpty {
            offsets = directory.values(Tag.stripOffsets)
            counts = directory.values(Tag.stripByteCounts)
        }
        guard !offsets.isEmpty, offsets.count == counts.count else { return }
        var segments: [(start: Int, end: Int)] = []
        for (offset, count) in zip(offsets, counts) where count > 0 {
            segments.append((Int(offset), Int(offset) + Int(count)))
        }
        segments.sort { $0.start < $1.start }
        var covered = 0
        for (index, segment) in segments.enumerated() {
            if index > 0, segment.start < segments[index - 1].end {
                throw RawDecodingError.truncatedOrCorrupt(reason: "its \(width)x\(height) image has tiles or strips that "
                    + "share or overlap their compressed bytes, which no camera or DNG writer produces (a decompression bomb)")
            }
            covered += max(0, min(segment.end, fileSize) - segment.start)
        }
        let samples = Double(width * height) * Double(max(1, directory.values(Tag.samplesPerPixel).first ?? 1))
        let compression = directory.values(Tag.compression).first ?? 1
        let needed = [1, 7].contains(compression) ? samples * Self.minimumBitsPerSample / 8 : samples / Self.maximumOtherRatio
        if Double(covered) < needed {
            throw RawDecodingError.truncatedOrCorrupt(reason: "its \(width)x\(height) image has \(covered) bytes of "
                + "data, fewer than \(Int(needed.rounded(.up))) that many pixels need (compression \(compression)): "
                + "cut off, or a decompression bomb")
        }
    }

    /// One IFD's entries, read on demand.
    private struct Directory {
        let reader: Reader
        let entries: [(tag: UInt16, type: UInt16, count: Int, valueOffset: Int)]
        let next: Int?

        /// The SHORT or LONG values of `tag` (at most `Reader.maxValues`); empty if absent or unreadable.
        func values(_ tag: UInt16) -> [UInt32] {
            guard let entry = entries.first(where: { $0.tag == tag }) else { return [] }
            let size: Int
            switch entry.type {
            case 3: size = 2
            case 4, 13: size = 4
            default: return []
            }
            guard entry.count <= Reader.maxValues else { return [] }
            let start = entry.count * size <= 4 ? entry.valueOffset : reader.uint32(at: entry.valueOffset).map(Int.init) ?? -1
            var result: [UInt32] = []
            result.reserveCapacity(entry.count)
            for index in 0 ..< entry.count {
                let position = start + index * size
                guard let value = size == 2 ? reader.uint16(at: position).map(UInt32.init) : reader.uint32(at: position) else {
                    return []
                }
                result.append(value)
            }
            return result
        }
    }

    /// Bounds-checked little- or big-endian reads.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        let bigEndian: Bool
        /// More tiles or strips than this in one image are not walked (LibRaw decides).
        static let maxValues = 1 << 20

        init?(_ bytes: UnsafeRawBufferPointer) {
            guard bytes.count >= 8 else { return nil }
            switch (bytes[0], bytes[1], bytes[2], bytes[3]) {
            case (0x49, 0x49, 0x2A, 0x00): bigEndian = false
            case (0x4D, 0x4D, 0x00, 0x2A): bigEndian = true
            default: return nil
            }
            self.bytes = bytes
        }

        func uint16(at offset: Int) -> UInt16? {
            guard offset >= 0, offset + 2 <= bytes.count else { return nil }
            let a = UInt16(bytes[offset]), b = UInt16(bytes[offset + 1])
            return bigEndian ? a << 8 | b : b << 8 | a
        }

        func uint32(at offset: Int) -> UInt32? {
            guard let low = uint16(at: bigEndian ? offset + 2 : offset),
                  let high = uint16(at: bigEndian ? offset : offset + 2) else { return nil }
            return UInt32(high) << 16 | UInt32(low)
        }

        func directory(at offset: Int) -> Directory? {
            guard let count = uint16(at: offset), count > 0, count <= 4096 else { return nil }
            var entries: [(tag: UInt16, type: UInt16, count: Int, valueOffset: Int)] = []
            for index in 0 ..< Int(count) {
                let position = offset + 2 + index * 12
                guard let tag = uint16(at: position), let type = uint16(at: position + 2),
                      let valueCount = uint32(at: position + 4) else { return nil }
                entries.append((tag, type, Int(valueCount), position + 8))
            }
            let next = uint32(at: offset + 2 + Int(count) * 12).map(Int.init)
            return Directory(reader: self, entries: entries, next: next)
        }
    }
}
