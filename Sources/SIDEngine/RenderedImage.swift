import SIDRaw

/// One request's finished image, upright or in sensor geometry as asked, owning its samples (the engine's second
/// stage): `Enhancer.encode` turns it into a PNG, on any thread.
public struct RenderedImage: Sendable {
    /// Interleaved RGB samples, row-major.
    public enum Samples: Sendable {
        case rgb8([UInt8])
        case rgb16([UInt16])
    }

    public let samples: Samples
    public let width: Int
    public let height: Int
    public let model: String
    public let ratio: Float
    /// The raw's metadata, for the PNG's eXIf chunk.
    public let metadata: RawMetadata
    /// The orientation still to be applied by a viewer: identity once the image is upright.
    public let remainingOrientation: Orientation
    public let options: EnhanceOptions
    var timings: StageTimings
    var warnings: [String]
}
