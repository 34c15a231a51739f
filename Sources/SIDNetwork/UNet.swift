import SIDWeights

/// A SID U-Net with its weights, laid out for the forward pass. Immutable: every worker's
/// `UNetRunner` shares one.
public final class UNet: @unchecked Sendable {
    /// A 3x3 (or 1x1) convolution as a GEMM: `weights` is [cout][cin * k * k], PyTorch's own layout.
    /// Wide 3x3 convs carry their Winograd-domain filters instead (and `weights` is empty).
    struct Convolution {
        let inChannels: Int
        let outChannels: Int
        let weights: [Float]
        let bias: [Float]
        let winogradFilters: [Float]?
    }

    /// Narrower than this, in or out, Winograd is not worth its transforms: in `sid bench`'s per-layer split
    /// it made the 128- to 512-channel convs about twice as fast, but the 32-channel level-1 convs no
    /// faster (their small GEMMs leave the transforms' memory traffic dominant).
    static let winogradMinimumChannels = 64

    /// A 2x2 stride-2 transposed convolution as one GEMM producing all four sub-pixel positions:
    /// `weights` is [(2i + j) * cout + o][cin], rearranged at load from PyTorch's [cin][cout][i][j].
    struct TransposedConvolution {
        let inChannels: Int
        let outChannels: Int
        let weights: [Float]
        let bias: [Float]
    }

    public let architecture: UNetArchitecture
    /// conv1_1 ... conv5_2: the encoder, two per level.
    let encoder: [(first: Convolution, second: Convolution)]
    /// upv6/conv6 ... upv9/conv9: the decoder from level 4 back up to level 1.
    let decoder: [(up: TransposedConvolution, first: Convolution, second: Convolution)]
    let output: Convolution

    /// Builds the network from PyTorch-named tensors.
    ///
    /// - Parameter tensor: looks a tensor up by name; returns its shape and fp32 values.
    /// Every tensor the architecture names must be present with its exact shape.
    public init(
        architecture: UNetArchitecture,
        tensor: (String) -> (shape: [Int], values: [Float])?
    ) throws {
        self.architecture = architecture
        let expected = Dictionary(uniqueKeysWithValues: architecture.tensorShapes.map { ($0.name, $0.shape) })

        func load(_ name: String) throws -> [Float] {
            guard let shape = expected[name] else { throw UNetError.missingTensor(name) }
            guard let found = tensor(name) else { throw UNetError.missingTensor(name) }
            guard found.shape == shape, found.values.count == shape.reduce(1, *) else {
                throw UNetError.wrongShape(name: name, expected: shape, found: found.shape)
            }
            return found.values
        }
        func convolution(_ name: String, _ cin: Int, _ cout: Int, kernel: Int = 3) throws -> Convolution {
            let weights = try load("\(name).weight")
            let winograd = kernel == 3 && min(cin, cout) >= Self.winogradMinimumChannels
                ? Winograd.transformFilters(weights, inChannels: cin, outChannels: cout) : nil
            // A Winograd conv never reads its spatial filters again: keeping both would hold the weights twice.
            return Convolution(inChannels: cin, outChannels: cout, weights: winograd == nil ? weights : [],
                               bias: try load("\(name).bias"), winogradFilters: winograd)
        }
        func transposed(_ name: String, _ cin: Int, _ cout: Int) throws -> TransposedConvolution {
            let torch = try load("\(name).weight")
            var gemm = [Float](repeating: 0, count: torch.count)
            for c in 0..<cin {
                for o in 0..<cout {
                    for k in 0..<4 {
                        gemm[(k * cout + o) * cin + c] = torch[(c * cout + o) * 4 + k]
                    }
                }
            }
            return TransposedConvolution(inChannels: cin, outChannels: cout,
                                         weights: gemm, bias: try load("\(name).bias"))
        }

        var encoder: [(Convolution, Convolution)] = []
        var cin = architecture.inChannels
        for level in 1...5 {
            let c = architecture.channels(level: level)
            encoder.append((try convolution("conv\(level)_1", cin, c), try convolution("conv\(level)_2", c, c)))
            cin = c
        }
        var decoder: [(TransposedConvolution, Convolution, Convolution)] = []
        for level in stride(from: 4, through: 1, by: -1) {
            let c = architecture.channels(level: level)
            let block = 10 - level
            decoder.append((try transposed("upv\(block)", 2 * c, c),
                            try convolution("conv\(block)_1", 2 * c, c),
                            try convolution("conv\(block)_2", c, c)))
        }
        self.encoder = encoder
        self.decoder = decoder
        self.output = try convolution("conv10_1", architecture.width, architecture.outChannels, kernel: 1)
    }

    /// Reads the architecture from the tensors themselves (conv1_1 gives the input channels and
    /// width, conv10_1 the output channels) and checks that every tensor is there with its shape
    /// and nothing else is; the error lists everything that is wrong.
    public static func inferArchitecture(shapes: [String: [Int]]) throws -> UNetArchitecture {
        UNetArchitecture(try SIDArchitecture.identify(shapes: shapes))
    }
}
