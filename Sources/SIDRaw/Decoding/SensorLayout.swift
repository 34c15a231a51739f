/// How a sensor samples colour, as far as the SID models care.
enum SensorLayout: Equatable, Sendable {
    case bayer(CFAPattern)
    case xTrans(XTransPattern)
    case monochrome
    /// Already demosaiced: full colour at every pixel.
    case linear
    /// Any other colour filter, described for error messages.
    case other(String)

    /// The `cfa` string reported in metadata.
    var name: String {
        switch self {
        case let .bayer(pattern): return MosaicPattern.bayer(pattern).name
        case let .xTrans(pattern): return MosaicPattern.xTrans(pattern).name
        case .monochrome: return "monochrome"
        case .linear: return "linear"
        case .other: return "other"
        }
    }

    /// The mosaic a SID model takes; nil for layouts none of them can.
    var mosaic: MosaicPattern? {
        switch self {
        case let .bayer(pattern): return .bayer(pattern)
        case let .xTrans(pattern): return .xTrans(pattern)
        case .monochrome, .linear, .other: return nil
        }
    }

    /// The error for a layout no model can take; nil for Bayer and X-Trans.
    var unsupportedError: RawDecodingError? {
        switch self {
        case .bayer, .xTrans: return nil
        case .monochrome: return .monochromeSensor
        case .linear: return .linearImage
        case let .other(description): return .unsupportedColorFilter(layout: description)
        }
    }
}
