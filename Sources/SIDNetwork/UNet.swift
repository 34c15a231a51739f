import CKernels
import SIDModel

/// A SID U-Net with its weights, laid out for the forward pass. Immutable: every worker's
/// `UNetRunner` shares one.
public final class UNet: @unchecked Sendable {
    /// How a 3x3 convolution is computed.
    enum Algorithm: String, Sendable {
        /// conv1_1 reads the 4 or 9 packed planes: Winograd would pad them to 16 channels and spend most of
        /// its work on zeros, so it is computed directly (same multiplications as Winograd on 16, no transforms).
        case direct
        /// Winograd F(4x4, 3x3): 36 products per 16 outputs, errors of a few ulps.
        case f4x4
        /// Winograd F(6x6, 3x3): 64 products per 36 outputs (a fifth fewer), about ten times F(4x4)'s error.
        case f6x6

        /// Output rows of one tile, hence the granularity of the layer's units (`StreamGraph.Layer.unitRows`).
        var tileRows: Int { self == .f6x6 ? 6 : 4 }

        /// The C kernel of a Winograd algorithm; nil for `direct`.
        var winograd: WinogradKernel? {
            switch self {
            case .direct: return nil
            case .f4x4: return .f4x4
            case .f6x6: return .f6x6
            }
        }
    }

    /// A 3x3 convolution (padding 1, bias, LeakyReLU) with its filters laid out once at load for its
    /// kernel: Winograd, [points (36 or 64)][cout panels of 32][cin rounded up to 16][32], or, when direct,
    /// [9][cin][cout rounded up to 16] for the direct kernel.
    struct Convolution {
        let name: String
        let inChannels: Int
        let outChannels: Int
        let algorithm: Algorithm
        let filters: [Float]
        let bias: [Float]
    }

    /// A 1x1 convolution (conv10, no activation): `weights` is [cin][cout rounded up to 16].
    struct PointwiseConvolution {
        let inChannels: Int
        let outChannels: Int
        let weights: [Float]
        let bias: [Float]
    }

    /// A 2x2 stride-2 transposed convolution producing all four sub-pixel positions in one GEMM:
    /// `weights` is [cin][2i + j][cout rounded up to 16], rearranged at load from PyTorch's [cin][cout][i][j].
    struct TransposedConvolution {
        let inChannels: Int
        let outChannels: Int
        let weights: [Float]
        let bias: [Float]
    }

    public let architecture: SIDArchitecture
    /// The Winograd layers computed by F(6x6).
    public let winograd: WinogradPlan
    /// conv1_1 ... conv5_2: the encoder, two per level.
    let encoder: [(first: Convolution, second: Convolution)]
    /// upv6/conv6 ... upv9/conv9: the decoder from level 4 back up to level 1.
    let decoder: [(up: TransposedConvolution, first: Convolution, second: Convolution)]
    let output: PointwiseConvolution

    /// Builds the network from PyTorch-named tensors.
    ///
    /// - Parameters:
    ///   - winograd: which Winograd layers use F(6x6).
    ///   - tensor: looks a tensor up by name; returns its shape and fp32 values.
    /// Every tensor the architecture names must be present with its exact shape.
    public init(
        architecture: SIDArchitecture,
        winograd: WinogradPlan = .standard,
        tensor: (String) -> (shape: [Int], values: [Float])?
    ) throws {
        self.architecture = architecture
        self.winograd = winograd
        let expected = Dictionary(uniqueKeysWithValues: architecture.tensorShapes.map { ($0.name, $0.shape) })

        func load(_ name: String) throws -> [Float] {
            guard let shape = expected[name] else { throw UNetError.missingTensor(name) }
            guard let found = tensor(name) else { throw UNetError.missingTensor(name) }
            guard found.shape == shape, found.values.count == shape.reduce(1, *) else {
                throw UNetError.wrongShape(name: name, expected: shape, found: found.shape)
            }
            return found.values
        }
        func convolution(_ name: String, _ cin: Int, _ cout: Int, direct: Bool = false) throws -> Convolution {
            let weights = try load("\(name).weight")
            let algorithm: Algorithm = direct ? .direct : winograd.f6x6Layers.contains(name) ? .f6x6 : .f4x4
            let kernel = algorithm.winograd
            let count = kernel?.filterFloats(Int32(cin), Int32(cout))
                ?? sid_direct_conv3x3_filter_floats(Int32(cin), Int32(cout))
            var filters = [Float](repeating: 0, count: count)
            weights.withUnsafeBufferPointer { w in
                filters.withUnsafeMutableBufferPointer { filters in
                    guard let kernel else {
                        sid_direct_conv3x3_filters(w.baseAddress, Int32(cin), Int32(cout), filters.baseAddress)
                        return
                    }
                    // Scalar double arithmetic over 7.8 M weights is most of a model's load time: spread the
                    // input channels over the process's threads.
                    let chunks = min(cin, Self.filterTransformChunks)
                    ComputePool.concurrently(chunks) { chunk in
                        kernel.transformFilters(w.baseAddress, Int32(cin), Int32(cout), Int32(cin * chunk / chunks),
                                                Int32(cin * (chunk + 1) / chunks), filters.baseAddress)
                    }
                }
            }
            return Convolution(name: name, inChannels: cin, outChannels: cout, algorithm: algorithm, filters: filters,
                               bias: try load("\(name).bias"))
        }
        func pointwise(_ name: String, _ cin: Int, _ cout: Int) throws -> PointwiseConvolution {
            let torch = try load("\(name).weight")
            let padded = Self.padded(cout)
            var weights = [Float](repeating: 0, count: cin * padded)
            for o in 0..<cout {
                for c in 0..<cin { weights[c * padded + o] = torch[o * cin + c] }
            }
            return PointwiseConvolution(inChannels: cin, outChannels: cout, weights: weights,
                                        bias: try load("\(name).bias"))
        }
        func transposed(_ name: String, _ cin: Int, _ cout: Int) throws -> TransposedConvolution {
            let torch = try load("\(name).weight")
            let padded = Self.padded(cout)
            var weights = [Float](repeating: 0, count: cin * 4 * padded)
            for c in 0..<cin {
                for o in 0..<cout {
                    for k in 0..<4 {
                        weights[(c * 4 + k) * padded + o] = torch[(c * cout + o) * 4 + k]
                    }
                }
            }
            return TransposedConvolution(inChannels: cin, outChannels: cout,
                                         weights: weights, bias: try load("\(name).bias"))
        }

        var encoder: [(Convolution, Convolution)] = []
        var cin = architecture.inChannels
        for level in 1...5 {
            let c = architecture.channels(level: level)
            // The packed input has at most 16 channels (4 Sony, 9 Fuji), which the direct kernel requires.
            encoder.append((try convolution("conv\(level)_1", cin, c, direct: level == 1 && cin <= 16),
                            try convolution("conv\(level)_2", c, c)))
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
        self.output = try pointwise("conv10_1", architecture.width, architecture.outChannels)
    }

    /// Pieces the Winograd filter transform of one convolution is cut into at load (by input channel).
    static let filterTransformChunks = 16

    /// Channel counts as the kernels store them: rounded up to whole 16-float vectors.
    static func padded(_ channels: Int) -> Int { (channels + 15) / 16 * 16 }

    /// Bytes of weights held, in the layouts the forward pass uses (Winograd filters are 4x the spatial ones, 7.1x for F(6x6)).
    public var weightBytes: Int {
        let convs = encoder.flatMap { [$0.first, $0.second] } + decoder.flatMap { [$0.first, $0.second] }
        var floats = convs.reduce(0) { $0 + $1.filters.count + $1.bias.count }
        floats += decoder.reduce(0) { $0 + $1.up.weights.count + $1.up.bias.count }
        floats += output.weights.count + output.bias.count
        return floats * 4
    }
}
