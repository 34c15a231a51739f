import CPNG

/// The PNG row filter(s) the encoder may use; `adaptive` picks per row among all five, as libpng does.
public enum PNGFilter: Sendable, Equatable, CaseIterable {
    case none
    case sub
    case up
    case average
    case paeth
    case adaptive

    var mask: Int32 {
        switch self {
        case .none: return Int32(SID_PNG_FILTER_NONE)
        case .sub: return Int32(SID_PNG_FILTER_SUB)
        case .up: return Int32(SID_PNG_FILTER_UP)
        case .average: return Int32(SID_PNG_FILTER_AVG)
        case .paeth: return Int32(SID_PNG_FILTER_PAETH)
        case .adaptive: return Int32(SID_PNG_FILTER_ALL)
        }
    }
}
