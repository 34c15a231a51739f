/// How a sensor samples colour, as far as the SID model cares.
enum SensorLayout: Equatable, Sendable {
    case bayer(CFAPattern)
    case xTrans
    case monochrome
    /// Already demosaiced: full colour at every pixel.
    case linear
    /// Any other colour filter, described for error messages.
    case other(String)

    /// The `cfa` string reported in metadata.
    var name: String {
        switch self {
        case let .bayer(pattern): return pattern.rawValue
        case .xTrans: return "X-Trans"
        case .monochrome: return "monochrome"
        case .linear: return "linear"
        case .other: return "other"
        }
    }

    /// The error for a layout the model cannot take; nil for Bayer.
    var unsupportedError: RawDecodingError? {
        switch self {
        case .bayer: return nil
        case .xTrans: return .xTransSensor
        case .monochrome: return .monochromeSensor
        case .linear: return .linearImage
        case let .other(description): return .unsupportedColorFilter(layout: description)
        }
    }
}
