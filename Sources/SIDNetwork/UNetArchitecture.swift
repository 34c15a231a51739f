/// The shape of a SID U-Net: how many packed channels go in, how many come out, how wide it is.
///
/// The Sony model packs 2x2 Bayer cells into 4 channels and unpacks 12 channels by a 2x pixel shuffle;
/// the Fuji model packs 6x6 X-Trans blocks into 9 channels and unpacks 27 by a 3x shuffle.
/// `width` is the channel count of the first level (32 in the published models).
public struct UNetArchitecture: Equatable, Sendable, CustomStringConvertible {
    public let inChannels: Int
    public let scale: Int
    public let width: Int

    public init(inChannels: Int, scale: Int, width: Int) {
        self.inChannels = inChannels
        self.scale = scale
        self.width = width
    }

    public static let sony = UNetArchitecture(inChannels: 4, scale: 2, width: 32)
    public static let fuji = UNetArchitecture(inChannels: 9, scale: 3, width: 32)

    /// RGB out, spread over scale x scale sub-pixels.
    public var outChannels: Int { 3 * scale * scale }

    /// Channel count at level 1...5 of the encoder.
    public func channels(level: Int) -> Int { width << (level - 1) }

    public var description: String {
        "U-Net \(inChannels) -> \(outChannels) channels, width \(width), pixel shuffle \(scale)"
    }

    /// Every tensor the network needs, with its PyTorch name and layout.
    public var tensorShapes: [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = []
        func conv(_ name: String, _ cin: Int, _ cout: Int, kernel: Int = 3) {
            shapes.append(("\(name).weight", [cout, cin, kernel, kernel]))
            shapes.append(("\(name).bias", [cout]))
        }
        var cin = inChannels
        for level in 1...5 {
            let c = channels(level: level)
            conv("conv\(level)_1", cin, c)
            conv("conv\(level)_2", c, c)
            cin = c
        }
        for level in stride(from: 4, through: 1, by: -1) {
            let c = channels(level: level)
            let block = 10 - level
            shapes.append(("upv\(block).weight", [2 * c, c, 2, 2]))
            shapes.append(("upv\(block).bias", [c]))
            conv("conv\(block)_1", 2 * c, c)
            conv("conv\(block)_2", c, c)
        }
        conv("conv10_1", width, outChannels, kernel: 1)
        return shapes
    }

    public var parameterCount: Int {
        tensorShapes.reduce(0) { $0 + $1.shape.reduce(1, *) }
    }

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
