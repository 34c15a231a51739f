import SIDDecoderIsolation
import SIDRaw

/// Runs LibRaw on one upload for the engine: the engine makes exactly one call per request, so a request costs
/// one decode (and, isolated, one helper process and one copy of the upload sent to it).
///
/// Both calls throw `RawDecodingError` (or `ExposureRatioError` for a fixed ratio out of range).
public protocol RawBackend {
    /// The visible mosaic and its levels, for a SID network.
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> RawImage
    /// The baseline pipeline's image, with the ratio it applied (`auto` estimated from the same decode).
    func renderBaseline(_ bytes: UnsafeRawBufferPointer, ratio: ExposureRatio) throws -> BaselineRendering
    /// What the file says and the levels the pipeline uses (pixels unpacked, not returned), for `sid info`.
    func metadata(_ bytes: UnsafeRawBufferPointer) throws -> RawMetadata
}

/// LibRaw in this process: no spawn, no protection from a file that crashes it.
public struct InProcessRawBackend: RawBackend {
    public let maxPixels: Int

    public init(maxPixels: Int) {
        self.maxPixels = maxPixels
    }

    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> RawImage {
        try RawDecoder(maxPixels: maxPixels).decode(bytes)
    }

    public func renderBaseline(_ bytes: UnsafeRawBufferPointer, ratio: ExposureRatio) throws -> BaselineRendering {
        try BaselineRenderer(maxPixels: maxPixels).render(bytes, ratio: ratio)
    }

    public func metadata(_ bytes: UnsafeRawBufferPointer) throws -> RawMetadata {
        try RawDecoder(maxPixels: maxPixels).metadata(bytes)
    }
}

/// LibRaw in a helper process per call (`IsolatedRawDecoder`): a crash, hang or runaway allocation costs the call.
public struct IsolatedRawBackend: RawBackend {
    public let decoder: IsolatedRawDecoder

    public init(isolation: DecoderIsolation, maxPixels: Int) {
        decoder = IsolatedRawDecoder(isolation: isolation, maxPixels: maxPixels)
    }

    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> RawImage {
        try decoder.decode(bytes)
    }

    public func renderBaseline(_ bytes: UnsafeRawBufferPointer, ratio: ExposureRatio) throws -> BaselineRendering {
        try decoder.render(bytes, ratio: ratio)
    }

    public func metadata(_ bytes: UnsafeRawBufferPointer) throws -> RawMetadata {
        try decoder.metadata(bytes)
    }
}
