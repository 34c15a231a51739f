import SIDWeights

/// A bounds-checked reading position in borrowed bytes; every read past the end throws instead of trapping.
///
/// The cursor does not own its bytes: the caller keeps them alive (a `MappedFile` or an array in scope).
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    /// Names the structure being read, for error messages ("the pickle", "the zip central directory").
    let context: String
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, context: String, position: Int = 0) {
        self.bytes = bytes
        self.context = context
        self.position = position
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    mutating func seek(to offset: Int) throws {
        guard offset >= 0, offset <= bytes.count else {
            throw CheckpointError.truncated("\(context) points to byte \(offset) of \(bytes.count)")
        }
        position = offset
    }

    mutating func skip(_ count: Int) throws {
        try require(count)
        position += count
    }

    mutating func readUInt8() throws -> UInt8 {
        try require(1)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readUInt16() throws -> UInt16 { UInt16(littleEndian: try load(UInt16.self)) }
    mutating func readUInt32() throws -> UInt32 { UInt32(littleEndian: try load(UInt32.self)) }
    mutating func readUInt64() throws -> UInt64 { UInt64(littleEndian: try load(UInt64.self)) }
    mutating func readInt32() throws -> Int32 { Int32(littleEndian: try load(Int32.self)) }

    /// Pickle's BINFLOAT is the one big-endian field any of our formats uses.
    mutating func readBigEndianDouble() throws -> Double {
        Double(bitPattern: UInt64(bigEndian: try load(UInt64.self)))
    }

    /// Returns a view of the next `count` bytes, valid as long as the underlying bytes are.
    mutating func readBytes(_ count: Int) throws -> UnsafeRawBufferPointer {
        try require(count)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
    }

    mutating func readArray(_ count: Int) throws -> [UInt8] { Array(try readBytes(count)) }

    /// Reads up to and excluding the next newline, consuming the newline (pickle's text opcodes).
    mutating func readLine() throws -> [UInt8] {
        guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else {
            throw CheckpointError.truncated("\(context) has a text field without its closing newline")
        }
        defer { position = end + 1 }
        return Array(bytes[position ..< end])
    }

    /// LevelDB and protobuf base-128 varint, at most 64 bits.
    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        for shift in stride(from: UInt64(0), to: 64, by: 7) {
            let byte = try readUInt8()
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
        }
        throw CheckpointError.malformedTensorBundle("\(context) holds a varint longer than 64 bits")
    }

    /// A varint that must fit a non-negative `Int` (sizes, offsets, counts).
    mutating func readVarintInt() throws -> Int {
        let value = try readVarint()
        guard value <= UInt64(Int.max) else {
            throw CheckpointError.malformedTensorBundle("\(context) holds a size too large to be real (\(value))")
        }
        return Int(value)
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        try require(MemoryLayout<T>.size)
        defer { position += MemoryLayout<T>.size }
        return bytes.loadUnaligned(fromByteOffset: position, as: T.self)
    }

    private func require(_ count: Int) throws {
        guard count >= 0, count <= remaining else {
            throw CheckpointError.truncated(
                "\(context) needs \(count) more bytes at byte \(position) but only \(max(remaining, 0)) remain")
        }
    }
}
