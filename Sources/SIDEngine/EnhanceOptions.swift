import SIDImage
import SIDNetwork
import SIDRaw

/// What a caller asks of one enhancement: the same whether it comes from the CLI or an HTTP request.
public struct EnhanceOptions: Sendable, Equatable {
    public var ratio: ExposureRatio
    /// Bits per sample: 8 or 16 for PNG and TIFF, 8 for JPEG.
    public var bits: Int
    /// A model name from the registry; nil picks the one that fits the raw.
    public var model: String?
    /// The file format of the result.
    public var format: ImageFormat
    /// JPEG quality, 1-100 (JPEG only).
    public var quality: Int
    /// Set it to stop the forward pass at its next unit of rows (the enhancement then throws).
    public var cancellation: CancellationFlag?
    /// Upright (the raw's orientation applied) or sensor geometry.
    public var geometry: OutputGeometry
    /// Camera metadata in the PNG, or only sid's text chunks.
    public var metadata: MetadataPolicy

    public init(ratio: ExposureRatio, bits: Int = 8, model: String? = nil, geometry: OutputGeometry = .upright,
                metadata: MetadataPolicy = .keep, format: ImageFormat = .png, quality: Int = JPEGEncoder.defaultQuality) {
        self.ratio = ratio
        self.bits = bits
        self.model = model
        self.geometry = geometry
        self.metadata = metadata
        self.format = format
        self.quality = quality
    }

    /// Checks the parts a caller may get wrong, with the sentence to show them.
    public func validate() throws {
        guard bits == 8 || bits == 16 else {
            throw EngineError.badParameter("bits must be 8 or 16, not \(bits)")
        }
        guard format.bitDepths.contains(bits) else {
            throw EngineError.badParameter("\(format.name) holds \(format.bitDepths.sorted().map(String.init).joined(separator: " or ")) bits per sample, not \(bits)")
        }
        guard (1...100).contains(quality) else {
            throw EngineError.badParameter("the JPEG quality must be from 1 to 100, not \(quality)")
        }
        if case .fixed(let ratio) = ratio, !(ratio.isFinite && ratio > 0 && ratio <= ExposureRatio.maximum) {
            throw EngineError.badParameter("the ratio must be a finite number greater than 0 and at most \(Int(ExposureRatio.maximum)), or 'auto'")
        }
    }
}
