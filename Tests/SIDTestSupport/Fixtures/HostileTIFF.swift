import Foundation

/// TIFF/DNG files written byte by byte to attack the decoder: decompression bombs and impossible sizes.
public enum HostileTIFF {
    /// The bomb of issue 14: a 9984x9984 CFA DNG in 256x256 lossless-JPEG tiles whose offsets all point at
    /// one 8 KB tile, whose Huffman table codes "no change" in one bit: about 21 KB that LibRaw would decode
    /// into 100 megapixels. `sharedTile` false gives every tile its own offset into the same too-small data
    /// (no overlap, but far too few bytes).
    public static func bomb(side: Int = 9984, sharedTile: Bool = true) -> Data {
        let tile = losslessJPEGTile(side: 256)
        let tilesAcross = (side + 255) / 256
        let tileCount = tilesAcross * tilesAcross
        var writer = Writer()
        let dataOffset = 8
        writer.body = tile
        let offsets = (0 ..< tileCount).map { UInt32(dataOffset + (sharedTile ? 0 : $0 % max(1, tile.count - 1))) }
        let counts = [UInt32](repeating: UInt32(sharedTile ? tile.count : 1), count: tileCount)
        return writer.file(entries: cfaEntries(width: side, height: side) + [
            Entry(tag: 259, short: 7),
            Entry(tag: 322, long: 256), Entry(tag: 323, long: 256),
            Entry(tag: 324, longs: offsets), Entry(tag: 325, longs: counts),
        ])
    }

    /// An uncompressed CFA DNG header claiming `width` x `height` with one strip of `dataBytes` bytes.
    public static func claimingSize(width: Int, height: Int, dataBytes: Int = 4096) -> Data {
        var writer = Writer()
        writer.body = [UInt8](repeating: 0x40, count: dataBytes)
        return writer.file(entries: cfaEntries(width: width, height: height) + [
            Entry(tag: 259, short: 1),
            Entry(tag: 273, longs: [8]), Entry(tag: 278, long: UInt32(max(height, 1))), Entry(tag: 279, longs: [UInt32(dataBytes)]),
        ])
    }

    private static func cfaEntries(width: Int, height: Int) -> [Entry] {
        [
            Entry(tag: 254, long: 0),
            Entry(tag: 256, long: UInt32(width)), Entry(tag: 257, long: UInt32(height)),
            Entry(tag: 258, short: 16), Entry(tag: 262, short: 32803), Entry(tag: 271, ascii: "Hostile"),
            Entry(tag: 277, short: 1), Entry(tag: 284, short: 1),
            Entry(tag: 33421, shorts: [2, 2]), Entry(tag: 33422, bytes: [0, 1, 1, 2]),
            Entry(tag: 50706, bytes: [1, 4, 0, 0]), Entry(tag: 50717, long: 65535),
        ]
    }

    /// A lossless JPEG (SOF3) tile of `side` x `side` 16-bit samples, predictor 1, a Huffman table whose one
    /// code "0" means difference 0: every sample costs one bit.
    static func losslessJPEGTile(side: Int) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += [0xFF, 0xC3, 0x00, 0x0B, 16, UInt8(side >> 8), UInt8(side & 0xFF), UInt8(side >> 8), UInt8(side & 0xFF),
                  1, 1, 0x11, 0]
        bytes += [0xFF, 0xC4, 0x00, 0x14, 0x00, 1] + [UInt8](repeating: 0, count: 15) + [0x00]
        bytes += [0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 1, 0, 0]
        bytes += [UInt8](repeating: 0, count: side * side / 8)
        bytes += [0xFF, 0xD9]
        return bytes
    }

    struct Entry {
        let tag: UInt16
        let type: UInt16
        let count: Int
        let payload: [UInt8]

        init(tag: UInt16, short value: UInt16) { self.init(tag: tag, shorts: [value]) }
        init(tag: UInt16, long value: UInt32) { self.init(tag: tag, longs: [value]) }
        init(tag: UInt16, shorts: [UInt16]) {
            self.init(tag: tag, type: 3, count: shorts.count, payload: shorts.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        }
        init(tag: UInt16, longs: [UInt32]) {
            self.init(tag: tag, type: 4, count: longs.count, payload: longs.flatMap { value in (0 ..< 4).map { UInt8(value >> (8 * $0) & 0xFF) } })
        }
        init(tag: UInt16, bytes: [UInt8]) { self.init(tag: tag, type: 1, count: bytes.count, payload: bytes) }
        init(tag: UInt16, ascii: String) {
            let bytes = Array(ascii.utf8) + [0]
            self.init(tag: tag, type: 2, count: bytes.count, payload: bytes)
        }
        private init(tag: UInt16, type: UInt16, count: Int, payload: [UInt8]) {
            self.tag = tag
            self.type = type
            self.count = count
            self.payload = payload
        }
    }

    /// Little-endian TIFF: header, `body` at offset 8, then one IFD and the values that do not fit inline.
    struct Writer {
        var body: [UInt8] = []

        func file(entries: [Entry]) -> Data {
            let sorted = entries.sorted { $0.tag < $1.tag }
            var out: [UInt8] = [0x49, 0x49, 0x2A, 0x00]
            let ifdOffset = 8 + body.count + (body.count & 1)
            out += le32(UInt32(ifdOffset))
            out += body
            if body.count & 1 == 1 { out.append(0) }
            var extra: [UInt8] = []
            let extraStart = ifdOffset + 2 + sorted.count * 12 + 4
            var table: [UInt8] = le16(UInt16(sorted.count))
            for entry in sorted {
                table += le16(entry.tag) + le16(entry.type) + le32(UInt32(entry.count))
                if entry.payload.count <= 4 {
                    table += entry.payload + [UInt8](repeating: 0, count: 4 - entry.payload.count)
                } else {
                    table += le32(UInt32(extraStart + extra.count))
                    extra += entry.payload
                    if extra.count & 1 == 1 { extra.append(0) }
                }
            }
            table += le32(0)
            return Data(out + table + extra)
        }

        private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        private func le32(_ value: UInt32) -> [UInt8] { (0 ..< 4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    }
}
