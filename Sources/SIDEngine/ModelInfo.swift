import SIDModel

/// What /v1/models and `sid info` say about a loaded model.
public struct ModelInfo: Sendable, Codable, Equatable {
    public let name: String
    /// "unet" for SID networks, "baseline" for the traditional pipeline.
    public let kind: String
    public let description: String
    public let parameters: Int
    public let weightsPath: String?
    public let weightsSHA256: String?
    public let sourceCheckpoint: String?
    public let sourceFormat: String?
    public let sourceSHA256: String?

    enum CodingKeys: String, CodingKey {
        case name, kind, description, parameters
        case weightsPath = "weights_path"
        case weightsSHA256 = "weights_sha256"
        case sourceCheckpoint = "source_checkpoint"
        case sourceFormat = "source_format"
        case sourceSHA256 = "source_sha256"
    }

    static let baseline = ModelInfo(
        name: SIDModel.baselineName, kind: "baseline",
        description: "traditional pipeline: raw amplified by the ratio, LibRaw demosaic, camera white balance, sRGB",
        parameters: 0, weightsPath: nil, weightsSHA256: nil, sourceCheckpoint: nil, sourceFormat: nil, sourceSHA256: nil)
}
