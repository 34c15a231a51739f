import SIDModel
import SIDNetwork

/// Deterministic random weights of the right shapes, for benchmarks and for parity tests
/// when no trained checkpoint is at hand.
///
/// Bit-identical to `synthetic_tensor` in scripts/fixtures/sid_reference.py: value i of a tensor is
/// uniform in [-1, 1) from splitmix64(fnv1a64(name) + i), scaled by a He-uniform bound
/// (0.1 for biases, an eighth of it for conv10_1.weight). Integer arithmetic and correctly
/// rounded float operations only, so Python and Swift agree exactly.
public enum SyntheticWeights {
    public static func tensors(for architecture: SIDArchitecture) -> [String: (shape: [Int], values: [Float])] {
        var result: [String: (shape: [Int], values: [Float])] = [:]
        for (name, shape) in architecture.tensorShapes {
            result[name] = (shape, tensor(name: name, shape: shape))
        }
        return result
    }

    public static func model(_ architecture: SIDArchitecture, winograd: WinogradPlan = .standard) -> UNet {
        let tensors = tensors(for: architecture)
        // Every name and shape comes from the architecture itself, so this cannot fail.
        return try! UNet(architecture: architecture, winograd: winograd) { tensors[$0] }
    }

    static func tensor(name: String, shape: [Int]) -> [Float] {
        let count = shape.reduce(1, *)
        var bound: Float
        if name.hasSuffix(".bias") {
            bound = 0.1
        } else {
            let fanIn = name.hasPrefix("upv") ? shape[0] : shape.dropFirst().reduce(1, *)
            bound = Float((6.0 / Double(fanIn)).squareRoot())
            if name == "conv10_1.weight" { bound /= 8 }
        }
        let seed = fnv1a64(name)
        return (0..<count).map { i in
            let bits = splitmix64(seed &+ UInt64(i))
            let unit = Float(bits >> 40) / Float(1 << 23) - 1
            return unit * bound
        }
    }

    static func fnv1a64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func splitmix64(_ state: UInt64) -> UInt64 {
        var z = state &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
