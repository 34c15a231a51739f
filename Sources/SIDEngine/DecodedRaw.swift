import SIDRaw

/// One request after LibRaw (the engine's first stage): the mosaic and the model and ratio chosen for it, or the
/// baseline's finished rendering. `Enhancer.decode` makes it; `Enhancer.render` takes it on.
public struct DecodedRaw: Sendable {
    enum Content: Sendable {
        /// A SID network's input to be: the model's registry name, the mosaic and the ratio to apply.
        case network(model: String, raw: RawImage, ratio: Float)
        /// The baseline pipeline has already made the image.
        case baseline(BaselineRendering)
    }

    let content: Content
    public let options: EnhanceOptions
    var timings: StageTimings
    var warnings: [String]

    /// What the raw says about itself (camera, levels, orientation, exposure).
    public var metadata: RawMetadata {
        switch content {
        case let .network(_, raw, _): return raw.metadata
        case let .baseline(rendering): return rendering.metadata
        }
    }
}
