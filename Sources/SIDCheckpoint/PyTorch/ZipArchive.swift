/// The entries of a zip archive held in memory, read through its central directory (zip64 included).
///
/// PyTorch writes checkpoints as uncompressed ("stored") zip entries, so only those can be opened;
/// other compression methods are reported by name.
struct ZipArchive {
    struct Entry {
        let name: String
        let compressionMethod: UInt16
        let crc32: UInt32
        let compressedSize: Int
        let uncompressedSize: Int
        let localHeaderOffset: Int
    }

    private let bytes: UnsafeRawBufferPointer
    /// Entries in central-directory order.
    let entries: [Entry]
    private let entriesByName: [String: Int]

    static let localHeaderSignature: UInt32 = 0x0403_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50

    /// Parses the central directory of `bytes`, which must outlive the archive.
    init(bytes: UnsafeRawBufferPointer) throws {
        self.bytes = bytes
        let directory = try Self.locateCentralDirectory(in: bytes)
        var cursor = ByteCursor(bytes, context: "the zip central directory", position: 0)
        try cursor.seek(to: directory.offset)
        var entries: [Entry] = []
        var entriesByName: [String: Int] = [:]
        entries.reserveCapacity(min(directory.count, 1 << 16))
        for _ in 0 ..< directory.count {
            let entry = try Self.readCentralEntry(&cursor)
            entriesByName[entry.name] = entries.count
            entries.append(entry)
        }
        self.entries = entries
        self.entriesByName = entriesByName
    }

    func entry(named name: String) -> Entry? {
        entriesByName[name].map { entries[$0] }
    }

    /// The stored bytes of an entry, checked against its CRC-32.
    func contents(of entry: Entry) throws -> UnsafeRawBufferPointer {
        guard entry.compressionMethod == 0 else {
            throw CheckpointError.malformedZip(
                "entry \(entry.name) is compressed with \(Self.methodName(entry.compressionMethod)); PyTorch writes"
                    + " uncompressed entries, so re-save the checkpoint with torch.save or unzip and re-zip it with -0")
        }
        guard entry.compressedSize == entry.uncompressedSize else {
            throw CheckpointError.malformedZip("stored entry \(entry.name) has different compressed and real sizes")
        }
        var cursor = ByteCursor(bytes, context: "the zip entry \(entry.name)")
        try cursor.seek(to: entry.localHeaderOffset)
        guard try cursor.readUInt32() == Self.localHeaderSignature else {
            throw CheckpointError.malformedZip("entry \(entry.name) does not start with a local file header")
        }
        try cursor.skip(22)
        let nameLength = Int(try cursor.readUInt16())
        let extraLength = Int(try cursor.readUInt16())
        try cursor.skip(nameLength + extraLength)
        let data = try cursor.readBytes(entry.compressedSize)
        let crc = CRC32.ieee.checksum(data)
        guard crc == entry.crc32 else {
            throw CheckpointError.malformedZip("entry \(entry.name) is corrupt (its CRC-32 does not match)")
        }
        return data
    }

    private static func locateCentralDirectory(in bytes: UnsafeRawBufferPointer) throws -> (offset: Int, count: Int) {
        // The end record is 22 bytes plus a comment of at most 65535 bytes, so it lies in the last 65557 bytes.
        let earliest = max(0, bytes.count - 22 - 0xFFFF)
        var endOffset: Int?
        var candidate = bytes.count - 22
        while candidate >= earliest {
            if UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: candidate, as: UInt32.self))
                == endOfCentralDirectorySignature {
                endOffset = candidate
                break
            }
            candidate -= 1
        }
        guard let endOffset else {
            throw CheckpointError.malformedZip("there is no end-of-central-directory record (the file may be cut short)")
        }
        var cursor = ByteCursor(bytes, context: "the zip end record", position: endOffset + 10)
        var count = Int(try cursor.readUInt16())
        _ = try cursor.readUInt32()
        var offset = Int(try cursor.readUInt32())

        if count == 0xFFFF || offset == 0xFFFF_FFFF {
            // Zip64: a locator just before the end record points at the 64-bit end record.
            var locator = ByteCursor(bytes, context: "the zip64 locator")
            try locator.seek(to: endOffset - 20)
            guard try locator.readUInt32() == zip64LocatorSignature else {
                throw CheckpointError.malformedZip("the archive needs zip64 fields but has no zip64 locator")
            }
            _ = try locator.readUInt32()
            var record = ByteCursor(bytes, context: "the zip64 end record")
            try record.seek(to: try int(locator.readUInt64()))
            guard try record.readUInt32() == zip64EndSignature else {
                throw CheckpointError.malformedZip("the zip64 locator does not point at a zip64 end record")
            }
            try record.skip(28)
            count = try int(record.readUInt64())
            _ = try record.readUInt64()
            offset = try int(record.readUInt64())
        }
        guard offset < bytes.count, count <= bytes.count / 46 else {
            throw CheckpointError.malformedZip("the central directory lies outside the file")
        }
        return (offset, count)
    }

    private static func readCentralEntry(_ cursor: inout ByteCursor) throws -> Entry {
        guard try cursor.readUInt32() == centralHeaderSignature else {
            throw CheckpointError.malformedZip("a central directory entry has no signature at byte \(cursor.position - 4)")
        }
        try cursor.skip(6)
        let method = try cursor.readUInt16()
        try cursor.skip(4)
        let crc = try cursor.readUInt32()
        var compressedSize = UInt64(try cursor.readUInt32())
        var uncompressedSize = UInt64(try cursor.readUInt32())
        let nameLength = Int(try cursor.readUInt16())
        let extraLength = Int(try cursor.readUInt16())
        let commentLength = Int(try cursor.readUInt16())
        try cursor.skip(8)
        var localHeaderOffset = UInt64(try cursor.readUInt32())
        let name = String(decoding: try cursor.readBytes(nameLength), as: UTF8.self)
        var extra = ByteCursor(try cursor.readBytes(extraLength), context: "the zip64 extra field of \(name)")
        try cursor.skip(commentLength)

        // The zip64 extra field (id 1) holds, in this order, only the values whose 32-bit field is 0xFFFFFFFF.
        while extra.remaining >= 4 {
            let id = try extra.readUInt16()
            let size = Int(try extra.readUInt16())
            guard id == 0x0001 else {
                try extra.skip(size)
                continue
            }
            var field = ByteCursor(try extra.readBytes(size), context: "the zip64 extra field of \(name)")
            if uncompressedSize == 0xFFFF_FFFF { uncompressedSize = try field.readUInt64() }
            if compressedSize == 0xFFFF_FFFF { compressedSize = try field.readUInt64() }
            if localHeaderOffset == 0xFFFF_FFFF { localHeaderOffset = try field.readUInt64() }
        }
        return Entry(
            name: name, compressionMethod: method, crc32: crc, compressedSize: try int(compressedSize),
            uncompressedSize: try int(uncompressedSize), localHeaderOffset: try int(localHeaderOffset))
    }

    private static func int(_ value: UInt64) throws -> Int {
        guard value <= UInt64(Int32.max) * 1024 else {
            throw CheckpointError.malformedZip("a size or offset (\(value)) is too large to be real")
        }
        return Int(value)
    }

    private static func methodName(_ method: UInt16) -> String {
        switch method {
        case 8: return "deflate"
        case 9: return "deflate64"
        case 12: return "bzip2"
        case 14: return "LZMA"
        case 93: return "Zstandard"
        default: return "compression method \(method)"
        }
    }
}
