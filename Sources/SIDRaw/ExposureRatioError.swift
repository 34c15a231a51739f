/// An exposure ratio that is not "auto" or a number in (0, 1000].
public enum ExposureRatioError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalid(String)

    public var description: String {
        switch self {
        case let .invalid(text):
            let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
            return "invalid exposure ratio \"\(shown)\": use \"auto\" or a number greater than 0 and at most "
                + "\(Int(ExposureRatio.maximum))"
        }
    }
}
