/// The SID U-Net for one model and base width: its levels, tensors (PyTorch names and layouts) and size.
///
/// Convolutions are [out, in, kh, kw]; the up-convolutions (`upvN`, ConvTranspose2d) are [in, out, 2, 2];
/// every layer has a bias. The published models have width 32.
public struct SIDArchitecture: Equatable, Sendable, CustomStringConvertible {
    /// The base width of the published checkpoints.
    public static let publishedWidth = 32
    /// Levels of the encoder; the decoder climbs back from level 4 to level 1.
    public static let levels = 5

    /// How far (in packed pixels) an output pixel sees into its input: 107 for every width.
    ///
    /// Each 3x3 conv at level k widens the view by 2^(k-1) pixels, each pool and each
    /// transposed conv by up to 2^(k-1) - 1 for the block alignment.
    public static let receptiveRadius = 107

    public let model: SIDModel
    /// Channels of the first level; level k has width * 2^(k-1), down to 16 * width at the bottom.
    public let width: Int

    /// Describes the network for `model` at base width `width` (>= 1).
    public init(model: SIDModel, width: Int = SIDArchitecture.publishedWidth) {
        self.model = model
        self.width = width
    }

    public var inChannels: Int { model.inputChannels }
    public var outChannels: Int { model.outputChannels }
    public var scale: Int { model.scale }

    /// Channel count at level 1...5 of the encoder.
    public func channels(level: Int) -> Int { width << (level - 1) }

    /// Channel counts of levels 1...5.
    public var levelWidths: [Int] { (1...Self.levels).map(channels(level:)) }

    public var description: String {
        "\(model.rawValue) U-Net, \(inChannels) -> \(outChannels) channels, width \(width), pixel shuffle \(scale)"
    }

    /// Every tensor with its shape, in network order: conv1_1 ... conv5_2, then upv6, conv6_1, conv6_2 ...
    /// upv9, conv9_1, conv9_2, then conv10_1.
    public var tensorShapes: [(name: String, shape: [Int])] {
        var shapes: [(name: String, shape: [Int])] = []
        func convolution(_ name: String, _ output: Int, _ input: Int, kernel: Int = 3) {
            shapes.append((name + ".weight", [output, input, kernel, kernel]))
            shapes.append((name + ".bias", [output]))
        }
        let levels = levelWidths
        var input = model.inputChannels
        for (level, channels) in levels.enumerated() {
            convolution("conv\(level + 1)_1", channels, input)
            convolution("conv\(level + 1)_2", channels, channels)
            input = channels
        }
        for (step, channels) in levels.dropLast().reversed().enumerated() {
            let level = step + 6
            shapes.append(("upv\(level).weight", [2 * channels, channels, 2, 2]))
            shapes.append(("upv\(level).bias", [channels]))
            // The up-convolution's output is concatenated with the encoder's skip connection: 2 * channels in.
            convolution("conv\(level)_1", channels, 2 * channels)
            convolution("conv\(level)_2", channels, channels)
        }
        convolution("conv10_1", model.outputChannels, width, kernel: 1)
        return shapes
    }

    /// The number of float values in all tensors (7,760,748 for the Sony model at width 32).
    public var parameterCount: Int {
        tensorShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

    /// The count without the up-convolution biases, which the original TensorFlow model does not have
    /// (7,760,268 for Sony at width 32: the figure usually quoted for SID).
    public var parameterCountWithoutUpconvBias: Int {
        parameterCount - 15 * width
    }

    /// Tensors that do not form a SID U-Net; every problem found is listed.
    public struct Mismatch: Error, Equatable, CustomStringConvertible {
        public let problems: [String]

        public init(_ problems: [String]) { self.problems = problems }

        public var description: String { "the checkpoint is not a SID U-Net: " + problems.joined(separator: "; ") }
    }

    /// Identifies the architecture from tensor shapes and checks every tensor, listing all that is wrong.
    public static func identify(shapes: [String: [Int]]) throws -> SIDArchitecture {
        guard let first = shapes["conv1_1.weight"], first.count == 4, first[0] >= 1,
              let last = shapes["conv10_1.weight"], last.count == 4
        else {
            throw Mismatch([
                "conv1_1.weight and conv10_1.weight must exist as 4-dimensional convolution weights"
                    + " (found \(shapes.count) tensors: \(shapes.keys.sorted().prefix(8).joined(separator: ", "))...)",
            ])
        }
        guard let model = SIDModel(inputChannels: first[1], outputChannels: last[0]) else {
            throw Mismatch([
                "\(first[1]) input and \(last[0]) output channels match neither the Sony model (4 -> 12)"
                    + " nor the Fuji model (9 -> 27)",
            ])
        }
        let architecture = SIDArchitecture(model: model, width: first[0])
        var problems: [String] = []
        var expectedNames = Set<String>()
        for (name, shape) in architecture.tensorShapes {
            expectedNames.insert(name)
            guard let actual = shapes[name] else {
                problems.append("missing \(name) \(shape)")
                continue
            }
            if actual != shape { problems.append("\(name) has shape \(actual), expected \(shape)") }
        }
        for name in shapes.keys.sorted() where !expectedNames.contains(name) {
            problems.append("unexpected tensor \(name) \(shapes[name] ?? [])")
        }
        guard problems.isEmpty else {
            throw Mismatch(["checked as \(model.rawValue) at width \(architecture.width)"] + problems)
        }
        return architecture
    }
}
