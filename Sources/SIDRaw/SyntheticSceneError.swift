/// Settings a synthetic scene cannot be made with.
public enum SyntheticSceneError: Error, CustomStringConvertible, Equatable, Sendable {
    case invalidSize(width: Int, height: Int)
    case invalidMeanLevel(Double)

    public var description: String {
        switch self {
        case let .invalidSize(width, height):
            return "cannot make a \(width)x\(height) sample: width and height must be between "
                + "\(SyntheticScene.sideRange.lowerBound) and \(SyntheticScene.sideRange.upperBound)"
        case let .invalidMeanLevel(level):
            return "cannot make a sample with mean level \(level): it must be greater than 0 and at most 0.5"
        }
    }
}
