import SIDNetwork
import SIDRaw

/// What a caller asks of one enhancement: the same whether it comes from the CLI or an HTTP request.
public struct EnhanceOptions: Sendable, Equatable {
    public var ratio: ExposureRatio
    /// 8 or 16 bits per PNG sample.
    public var bits: Int
    /// A model name from the registry; nil picks the one that fits the raw.
    public var model: String?
    /// Set it to stop the forward pass at its next unit of rows (the enhancement then throws).
    public var cancellation: CancellationFlag?
    /// Upright (the raw's orientation applied) or sensor geometry.
    public var geometry: OutputGeometry
    /// Camera metadata in the PNG, or only sid's text chunks.
    public var metadata: MetadataPolicy

    public init(ratio: ExposureRatio, bits: Int = 8, model: String? = nil, geometry: OutputGeometry = .upright,
                metadata: MetadataPolicy = .keep) {
        self.ratio = ratio
        self.bits = bits
        self.model = model
        self.geometry = geometry
        self.metadata = metadata
    }

    /// Checks the parts a caller may get wrong, with the sentence to show them.
    public func validate() throws {
        guard bits == 8 || bits == 16 else {
            throw EngineError.badParameter("bits must be 8 or 16, not \(bits)")
        }
        if case .fixed(let ratio) = ratio, !(ratio.isFinite && ratio > 0 && ratio <= ExposureRatio.maximum) {
            throw EngineError.badParameter("the ratio must be a finite number greater than 0 and at most \(Int(ExposureRatio.maximum)), or 'auto'")
        }
    }
}
