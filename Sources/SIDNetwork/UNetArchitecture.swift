import SIDWeights

/// The shape of a SID U-Net as the forward pass sees it: which published model (Sony: 4 packed
/// channels in, 12 out, 2x pixel shuffle; Fuji: 9 in, 27 out, 3x) at which base width (32 in the
/// published checkpoints). Tensor names and shapes come from `SIDArchitecture`, the one description
/// the converter and the network share.
public struct UNetArchitecture: Equatable, Sendable, CustomStringConvertible {
    public let model: SIDModel
    public let width: Int

    public init(model: SIDModel, width: Int = SIDArchitecture.publishedWidth) {
        self.model = model
        self.width = width
    }

    /// By channel counts: 4 in with scale 2 is the Sony model, 9 in with scale 3 the Fuji one.
    public init(inChannels: Int, scale: Int, width: Int) {
        guard let model = SIDModel(inputChannels: inChannels, outputChannels: 3 * scale * scale) else {
            preconditionFailure("no SID model has \(inChannels) input channels and a \(scale)x shuffle")
        }
        self.init(model: model, width: width)
    }

    public init(_ layout: SIDArchitecture) {
        self.init(model: layout.model, width: layout.width)
    }

    public static let sony = UNetArchitecture(model: .sony)
    public static let fuji = UNetArchitecture(model: .fuji)

    public var layout: SIDArchitecture { SIDArchitecture(model: model, width: width) }
    public var inChannels: Int { model.inputChannels }
    public var outChannels: Int { model.outputChannels }
    public var scale: Int { model.scale }

    /// Channel count at level 1...5 of the encoder.
    public func channels(level: Int) -> Int { width << (level - 1) }

    public var description: String {
        "\(model.rawValue) U-Net, \(inChannels) -> \(outChannels) channels, width \(width), pixel shuffle \(scale)"
    }

    /// Every tensor the network needs, with its PyTorch name and layout.
    public var tensorShapes: [(name: String, shape: [Int])] { layout.tensorShapes }

    public var parameterCount: Int { layout.parameterCount }

    /// How far (in packed pixels) an output pixel sees into its input: 107 for every width.
    ///
    /// Each 3x3 conv at level k widens the view by 2^(k-1) pixels, each pool and each
    /// transposed conv by up to 2^(k-1) - 1 for the block alignment. Tiles whose margins cover
    /// this radius produce exactly what whole-image inference produces.
    public static let receptiveRadius = 107

    /// Tile margin: the receptive radius rounded up to the 16-pixel grid of four 2x2 pools.
    public static let tileMargin = 112

    /// Multiply-adds x 2 for one forward pass over a packed image of the given size.
    public func flops(height: Int, width w: Int) -> Double {
        var total = 0.0
        var h = height, wd = w
        var cin = inChannels
        var dims: [(Int, Int)] = []
        for level in 1...5 {
            let c = channels(level: level)
            let px = Double(h * wd)
            total += 2 * px * 9 * Double(cin * c + c * c)
            dims.append((h, wd))
            cin = c
            h = (h + 1) / 2
            wd = (wd + 1) / 2
        }
        for level in stride(from: 4, through: 1, by: -1) {
            let c = channels(level: level)
            let (lh, lw) = dims[level - 1]
            let (sh, sw) = dims[level]
            total += 2 * Double(sh * sw) * Double(2 * c * c * 4)
            total += 2 * Double(lh * lw) * 9 * Double(2 * c * c + c * c)
        }
        total += 2 * Double(height * w) * Double(width * outChannels)
        return total
    }
}
