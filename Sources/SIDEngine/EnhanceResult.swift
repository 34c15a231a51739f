import Foundation
import SIDImage

/// One enhanced image, encoded, with what made it.
public struct EnhanceResult: Sendable {
    /// The encoded file, as the encoder made it (handed on without copies, down to the socket write).
    public let image: [UInt8]
    /// Its format (`options.format`).
    public let format: ImageFormat
    public let width: Int
    public let height: Int
    public let bits: Int
    /// The exposure ratio applied, estimated or as given.
    public let ratio: Float
    public let ratioWasEstimated: Bool
    /// Registry name of the model that made the image ("sid-sony", "baseline", ...).
    public let model: String
    public let timings: StageTimings
    /// Sentences worth showing the caller (e.g. a ratio above what SID was trained on).
    public let warnings: [String]
}
