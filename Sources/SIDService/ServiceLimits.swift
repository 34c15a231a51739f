import Foundation
import SIDImage
import SIDRaw

/// What GET /v1/limits tells a client before it uploads: sizes it may send, what it may ask for, how much the
/// service queues. Built once from the configuration; the same shapes are in the OpenAPI document.
struct ServiceLimits: Encodable, Equatable {
    struct RatioRange: Encodable, Equatable {
        /// Exclusive: a ratio must be greater than this.
        let exclusiveMinimum: Double
        let maximum: Double
        /// Above this SID was not trained; the answer carries an X-SID-Warning.
        let trainedMaximum: Double
    }

    struct Format: Encodable, Equatable {
        let mediaType: String
        let name: String
        let bits: [Int]
        let defaultBits: Int
    }

    let maxBodyBytes: Int
    let maxMegapixels: Int
    let queueCapacity: Int
    let workers: Int
    let requestTimeoutSeconds: Double
    let ratio: RatioRange
    let formats: [Format]
    let defaultFormat: String
    let jpegQuality: ClosedRangeDocument

    /// A closed integer range and its default.
    struct ClosedRangeDocument: Encodable, Equatable {
        let minimum: Int
        let maximum: Int
        let `default`: Int
    }

    init(configuration: ServiceConfiguration) {
        maxBodyBytes = configuration.maxBodyBytes
        maxMegapixels = configuration.maxMegapixels
        queueCapacity = configuration.queueCapacity
        workers = configuration.workers
        requestTimeoutSeconds = Double(configuration.requestTimeout.components.seconds)
        ratio = RatioRange(exclusiveMinimum: 0, maximum: Double(ExposureRatio.maximum),
                           trainedMaximum: Double(ExposureRatio.trainedMaximum))
        formats = ImageFormat.allCases.map {
            Format(mediaType: $0.mediaType, name: $0.rawValue, bits: $0.bitDepths.sorted(), defaultBits: $0.bitDepths[0])
        }
        defaultFormat = ImageFormat.png.mediaType
        jpegQuality = ClosedRangeDocument(minimum: 1, maximum: 100, default: JPEGEncoder.defaultQuality)
    }

    /// The JSON body, keys in a stable order.
    var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data())
    }
}
