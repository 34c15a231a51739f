/// Reads every entry of a LevelDB-format table, the format of a TensorFlow bundle's `.index` file.
///
/// Layout: data blocks, a metaindex block, an index block whose entries map the last key of each data block to
/// its handle (varint offset, varint size), and a 48-byte footer ending in a magic number. Each block carries a
/// 5-byte trailer: compression type and the masked CRC32C of contents plus type.
struct SSTable {
    static let magic: UInt64 = 0xDB47_7524_8B80_FB57
    static let footerLength = 48

    /// All key/value pairs in key order.
    let entries: [(key: [UInt8], value: [UInt8])]

    init(bytes: [UInt8]) throws {
        guard Self.hasFooterMagic(bytes) else {
            throw CheckpointError.malformedTensorBundle("the index file does not end with the LevelDB table magic number")
        }
        let (footerIndexOffset, footerIndexSize) = try bytes.withUnsafeBytes { raw in
            var footer = ByteCursor(raw, context: "the index footer", position: raw.count - Self.footerLength)
            _ = try footer.readVarint() // metaindex offset: no metadata block matters here
            _ = try footer.readVarint()
            return (try footer.readVarintInt(), try footer.readVarintInt())
        }
        let index = try Self.blockEntries(in: bytes, offset: footerIndexOffset, size: footerIndexSize, name: "index")
        var entries: [(key: [UInt8], value: [UInt8])] = []
        for (number, handle) in index.enumerated() {
            let (offset, size) = try handle.value.withUnsafeBytes { raw in
                var cursor = ByteCursor(raw, context: "a block handle")
                return (try cursor.readVarintInt(), try cursor.readVarintInt())
            }
            entries += try Self.blockEntries(in: bytes, offset: offset, size: size, name: "data block \(number)")
        }
        self.entries = entries
    }

    static func hasFooterMagic(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= footerLength else { return false }
        let magic = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: bytes.count - 8, as: UInt64.self) }
        return UInt64(littleEndian: magic) == Self.magic
    }

    private static func blockEntries(
        in file: [UInt8], offset: Int, size: Int, name: String
    ) throws -> [(key: [UInt8], value: [UInt8])] {
        guard offset >= 0, size >= 4, offset <= file.count - 5, size <= file.count - 5 - offset else {
            throw CheckpointError.malformedTensorBundle("the index's \(name) lies outside the file")
        }
        let contents = Array(file[offset ..< offset + size])
        let type = file[offset + size]
        let (stored, computed) = file.withUnsafeBytes { raw in
            (UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + size + 1, as: UInt32.self)),
             CRC32.mask(CRC32.castagnoli.checksum(UnsafeRawBufferPointer(rebasing: raw[offset ... offset + size]))))
        }
        guard stored == computed else {
            throw CheckpointError.malformedTensorBundle("the index's \(name) is corrupt (block checksum mismatch)")
        }
        guard type == 0 else {
            throw CheckpointError.malformedTensorBundle(
                "the index's \(name) is \(type == 1 ? "Snappy" : "type-\(type)")-compressed; only uncompressed"
                    + " indexes are supported (TensorFlow writes them uncompressed)")
        }
        return try contents.withUnsafeBytes { raw in
            // The block ends with the restart-point array and its length; entries fill the space before it.
            let restartCount = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: size - 4, as: UInt32.self)))
            guard restartCount <= (size - 4) / 4 else {
                throw CheckpointError.malformedTensorBundle("the index's \(name) has an impossible restart count")
            }
            let entriesEnd = size - 4 - 4 * restartCount
            var cursor = ByteCursor(UnsafeRawBufferPointer(rebasing: raw[..<entriesEnd]), context: "the index's \(name)")
            var entries: [(key: [UInt8], value: [UInt8])] = []
            var key: [UInt8] = []
            while !cursor.isAtEnd {
                // Keys are prefix-compressed against the previous key.
                let shared = try cursor.readVarintInt()
                let unshared = try cursor.readVarintInt()
                let valueLength = try cursor.readVarintInt()
                guard shared <= key.count else {
                    throw CheckpointError.malformedTensorBundle("the index's \(name) shares more key bytes than exist")
                }
                key = Array(key[..<shared]) + (try cursor.readArray(unshared))
                entries.append((key, try cursor.readArray(valueLength)))
            }
            return entries
        }
    }
}
