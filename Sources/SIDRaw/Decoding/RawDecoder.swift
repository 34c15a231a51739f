import Foundation

/// Decodes camera raw bytes in memory with LibRaw into a mosaic a SID model can take: 2x2 Bayer or Fuji X-Trans.
///
/// Safe to use from many threads at once: every call owns its own LibRaw context.
public struct RawDecoder: Sendable {
    /// Largest sensor readout (raw width x raw height) accepted, checked from the header before any pixel memory.
    public let maxPixels: Int

    public init(maxPixels: Int = 100_000_000) {
        self.maxPixels = maxPixels
    }

    /// Decodes the visible mosaic and its levels; throws `RawDecodingError` for anything unusable.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> RawImage {
        // The header stage: bombs and impossible sizes are refused before LibRaw allocates for them.
        try TIFFLayoutCheck(maxPixels: maxPixels).check(bytes)
        let session = try LibRawSession()
        try session.open(bytes)
        let mosaic = try checkUsable(session)
        try session.unpack()
        // Levels are read after unpacking: some formats measure black from masked pixels while unpacking.
        let metadata = session.metadata(layout: session.sensorLayout)
        // Damage first: corrupt data also makes nonsense levels, and "damaged" is what the sender needs to hear.
        try FrameIntegrity.check(session, blackLevels: metadata.blackLevels)
        try Self.checkLevels(black: metadata.blackLevels, white: metadata.whiteLevel)
        return RawImage(metadata: metadata, pixels: try session.visiblePixels(), mosaic: mosaic)
    }

    /// Decodes the visible mosaic and its levels; throws `RawDecodingError` for anything unusable.
    public func decode(_ data: Data) throws -> RawImage {
        try data.withUnsafeBytes { try decode($0) }
    }

    /// What the file says and the levels the pipeline uses: the pixels are unpacked because some formats only know
    /// their black and white levels then (Canon CRW: header 0/4095, unpacked 32/1023). Unsupported sensors are
    /// described, not refused; a file whose pixel data cannot be read is. A sensor beyond `maxPixels`, which no
    /// pipeline would unpack, is described from its header alone, without allocating its pixels.
    public func metadata(_ bytes: UnsafeRawBufferPointer) throws -> RawMetadata {
        let session = try LibRawSession()
        try session.open(bytes)
        if session.rawWidth * session.rawHeight <= maxPixels {
            try session.unpack()
        }
        return session.metadata(layout: session.sensorLayout)
    }

    /// As `metadata(_:)`, from `Data`.
    public func metadata(_ data: Data) throws -> RawMetadata {
        try data.withUnsafeBytes { try metadata($0) }
    }

    /// Refuses, from the opened header alone, anything no model can take: oversized, neither Bayer nor X-Trans, or
    /// too small to pack to 16x16 planes.
    func checkUsable(_ session: LibRawSession) throws -> MosaicPattern {
        let rawWidth = session.rawWidth, rawHeight = session.rawHeight
        guard rawWidth * rawHeight <= maxPixels else {
            throw RawDecodingError.tooManyPixels(width: rawWidth, height: rawHeight, limit: maxPixels)
        }
        let layout = session.sensorLayout
        guard let mosaic = layout.mosaic else {
            throw layout.unsupportedError ?? RawDecodingError.unsupportedColorFilter(layout: layout.name)
        }
        let width = session.visibleWidth, height = session.visibleHeight
        let packed = mosaic.packedSize(width: width, height: height)
        // Both packers need the same: the model downsamples four times by 2.
        guard packed.width >= BayerPacker.minimumPackedSide, packed.height >= BayerPacker.minimumPackedSide else {
            throw RawDecodingError.tooSmall(width: width, height: height)
        }
        return mosaic
    }

    /// Refuses levels no packer can normalise by: black not below white, or not finite.
    public static func checkLevels(black: [Float], white: Float) throws {
        guard white.isFinite, black.allSatisfy({ $0.isFinite && $0 >= 0 && $0 < white }) else {
            throw RawDecodingError.invalidLevels(blackLevels: black, whiteLevel: white)
        }
    }
}
