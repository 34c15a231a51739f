import SIDModel

/// What the forward pass derives from the architecture: band margins and the work one pass does.
extension SIDArchitecture {
    /// Band margin: the receptive radius rounded up to the 16-pixel grid of four 2x2 pools. Bands whose
    /// margins cover the radius produce exactly what whole-image inference produces.
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
