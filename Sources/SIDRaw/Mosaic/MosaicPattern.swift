/// The colour filter of a decoded mosaic, which decides the packer and the SID model that fit it.
public enum MosaicPattern: Equatable, Sendable {
    /// A 2x2 Bayer sensor: `BayerPacker` and the Sony model.
    case bayer(CFAPattern)
    /// A Fuji X-Trans sensor: `XTransPacker` and the Fuji model.
    case xTrans(XTransPattern)

    /// The `cfa` string reported in metadata.
    public var name: String {
        switch self {
        case let .bayer(pattern): return pattern.rawValue
        case .xTrans: return "X-Trans"
        }
    }

    /// Size of each packed plane for a visible area of `width` x `height`.
    public func packedSize(width: Int, height: Int) -> (width: Int, height: Int) {
        switch self {
        case let .bayer(pattern):
            let origin = pattern.redOrigin
            return (max((width - origin.col) / 2, 0), max((height - origin.row) / 2, 0))
        case let .xTrans(pattern):
            return XTransPacker.packedSize(width: width, height: height, pattern: pattern)
        }
    }
}
