import SIDRaw

/// What the parent asks of the decoder process, sent on the helper's stdin: a fixed-size header, then
/// `inputByteCount` bytes of the raw file.
///
/// The limits travel in the header so the helper can apply them before it reads (and allocates for) the input.
public struct DecoderRequest: Equatable, Sendable {
    /// What to make of the raw.
    public enum Kind: Equatable, Sendable {
        /// `RawDecoder.decode`: the mosaic and its levels.
        case decode
        /// `BaselineRenderer.render`: the raw brightened by `ratio` (`auto` estimated from its own mosaic) and
        /// processed by LibRaw.
        case baseline(ratio: ExposureRatio)
        /// `RawDecoder.metadata`: what `sid info` prints, levels as unpacked, no pixels.
        case metadata
    }

    public var kind: Kind
    /// Largest sensor readout accepted, as `RawDecoder.maxPixels`.
    public var maxPixels: Int
    /// RLIMIT_AS for the helper, in bytes; 0 for none, and then no file-size or descriptor limit either
    /// (`DecoderIsolation.memoryLimitBytes`).
    public var memoryLimitBytes: Int
    /// RLIMIT_CPU for the helper, in seconds; 0 for none.
    public var cpuSeconds: Int
    public var inputByteCount: Int

    /// "SIDRAWQ" and the protocol version.
    static let magic: [UInt8] = Array("SIDRAWQ3".utf8)
    /// Magic, kind, ratio, then four 64-bit numbers.
    public static let headerSize = magic.count + 1 + 4 + 4 * 8
    /// Larger inputs are refused: the service's own upload limit is 4 GiB.
    static let maxInputBytes = 1 << 33

    private static let decodeTag: UInt8 = 1
    private static let baselineTag: UInt8 = 2
    private static let baselineAutoTag: UInt8 = 3
    private static let metadataTag: UInt8 = 4

    public var header: [UInt8] {
        var writer = WireWriter()
        writer.append(raw: Self.magic)
        switch kind {
        case .decode:
            writer.append(Self.decodeTag)
            writer.append(Float(0))
        case let .baseline(.fixed(ratio)):
            writer.append(Self.baselineTag)
            writer.append(ratio)
        case .baseline(.auto):
            writer.append(Self.baselineAutoTag)
            writer.append(Float(0))
        case .metadata:
            writer.append(Self.metadataTag)
            writer.append(Float(0))
        }
        for value in [maxPixels, memoryLimitBytes, cpuSeconds, inputByteCount] { writer.append(UInt64(value)) }
        return writer.bytes
    }

    /// Reads a header of `headerSize` bytes, refusing anything out of range.
    public init(header: [UInt8]) throws {
        guard header.count == Self.headerSize else {
            throw DecoderWireError.truncated("a request header has \(Self.headerSize) bytes, not \(header.count)")
        }
        guard header.starts(with: Self.magic) else { throw DecoderWireError.wrongMagic }
        var reader = WireReader(Array(header.dropFirst(Self.magic.count)))
        let tag = try reader.read(UInt8.self, "the request kind")
        let ratio = try reader.readFloat("the ratio")
        switch tag {
        case Self.decodeTag: kind = .decode
        case Self.baselineTag: kind = .baseline(ratio: .fixed(ratio))
        case Self.baselineAutoTag: kind = .baseline(ratio: .auto)
        case Self.metadataTag: kind = .metadata
        default: throw DecoderWireError.outOfRange("the request kind is \(tag)")
        }
        maxPixels = try reader.readSize("the pixel limit", limit: Int(Int32.max))
        memoryLimitBytes = try reader.readSize("the memory limit", limit: Int(Int64.max))
        cpuSeconds = try reader.readSize("the CPU limit", limit: Int(Int32.max))
        inputByteCount = try reader.readSize("the input size", limit: Self.maxInputBytes)
    }

    public init(kind: Kind, maxPixels: Int, memoryLimitBytes: Int, cpuSeconds: Int, inputByteCount: Int) {
        self.kind = kind
        self.maxPixels = maxPixels
        self.memoryLimitBytes = memoryLimitBytes
        self.cpuSeconds = cpuSeconds
        self.inputByteCount = inputByteCount
    }
}
