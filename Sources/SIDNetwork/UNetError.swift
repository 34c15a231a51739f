/// Why a set of weights cannot drive the network, or an input cannot go through it.
public enum UNetError: Error, CustomStringConvertible, Equatable {
    case missingTensor(String)
    case wrongShape(name: String, expected: [Int], found: [Int])
    case inputTooSmall(height: Int, width: Int)
    case inputShape(expected: Int, found: Int)
    /// The runner's cancellation flag was set: the output is incomplete.
    case cancelled

    public var description: String {
        switch self {
        case .missingTensor(let name):
            return "the weights have no tensor '\(name)', which the SID U-Net needs"
        case let .wrongShape(name, expected, found):
            return "tensor '\(name)' has shape \(found), the SID U-Net needs \(expected)"
        case let .inputTooSmall(h, w):
            return "a \(w)x\(h) packed image is too small for the network (at least 1x1 is needed)"
        case let .inputShape(expected, found):
            return "the input holds \(found) values, its shape needs \(expected)"
        case .cancelled:
            return "the forward pass was cancelled"
        }
    }
}
