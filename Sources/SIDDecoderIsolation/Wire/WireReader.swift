/// Reads what `WireWriter` wrote, from bytes the reader does not trust: every read is bounds-checked and every
/// count is limited before anything is allocated.
struct WireReader {
    /// Longest string accepted (camera names, LibRaw messages).
    static let maxStringBytes = 4096
    /// Longest list of floats accepted (black levels).
    static let maxFloats = 64

    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self, _ what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard bytes.count - offset >= size else {
            throw DecoderWireError.truncated("\(what) is missing")
        }
        var value = T.zero
        withUnsafeMutableBytes(of: &value) { destination in
            bytes.withUnsafeBytes { source in
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset ..< offset + size]))
            }
        }
        offset += size
        return value
    }

    mutating func readFloat(_ what: String) throws -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// A count read as 32 bits and checked against `limit`.
    mutating func readCount(_ what: String, limit: Int) throws -> Int {
        let count = Int(try read(UInt32.self, what))
        guard count <= limit else { throw DecoderWireError.outOfRange("\(what) is \(count), more than \(limit)") }
        return count
    }

    mutating func readString(_ what: String) throws -> String {
        let count = try readCount("the length of \(what)", limit: Self.maxStringBytes)
        guard bytes.count - offset >= count else { throw DecoderWireError.truncated("\(what) is cut off") }
        let slice = bytes[offset ..< offset + count]
        offset += count
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw DecoderWireError.outOfRange("\(what) is not UTF-8")
        }
        return text
    }

    mutating func readFloats(_ what: String) throws -> [Float] {
        let count = try readCount("the number of \(what)", limit: Self.maxFloats)
        return try (0 ..< count).map { _ in try readFloat(what) }
    }

    /// A non-negative whole number stored in 64 bits, at most `limit`.
    mutating func readSize(_ what: String, limit: Int) throws -> Int {
        let value = try read(UInt64.self, what)
        guard value <= UInt64(limit) else { throw DecoderWireError.outOfRange("\(what) is \(value), more than \(limit)") }
        return Int(value)
    }

    /// Refuses bytes left over after everything expected was read.
    func expectEnd(_ what: String) throws {
        guard isAtEnd else {
            throw DecoderWireError.outOfRange("\(bytes.count - offset) unexpected bytes follow \(what)")
        }
    }
}

/// Why bytes exchanged with the decoder process are not a well-formed request or response.
enum DecoderWireError: Error, CustomStringConvertible, Equatable {
    /// The bytes end before the message does.
    case truncated(String)
    /// The bytes do not start with the expected magic and version.
    case wrongMagic
    /// A field holds a value the format does not allow, or one beyond the agreed limits.
    case outOfRange(String)

    var description: String {
        switch self {
        case let .truncated(detail): return "the message is truncated: \(detail)"
        case .wrongMagic: return "the message does not start with the decoder protocol's magic and version"
        case let .outOfRange(detail): return "the message is malformed: \(detail)"
        }
    }
}
