/// How a finished image is turned for display, from LibRaw's `flip` code (dcraw's: bit 2 transposes, bit 1 mirrors
/// rows, bit 0 mirrors columns; cameras give 0 as stored, 3 rotate 180, 5 rotate 90 counter-clockwise, 6 rotate 90
/// clockwise). The turn moves whole pixels, so it is exact for any model and bit depth.
public struct Orientation: Equatable, Sendable {
    /// LibRaw's code, 0 to 7.
    public let flip: Int

    public init(flip: Int) {
        self.flip = (0 ... 7).contains(flip) ? flip : 0
    }

    public var isIdentity: Bool { flip == 0 }
    /// Whether width and height trade places.
    public var swapsSides: Bool { flip & 4 != 0 }

    /// The EXIF Orientation of an image stored in sensor geometry (1 = upright as stored), for a viewer to turn it.
    public var exifOrientation: UInt16 {
        switch flip {
        case 1: return 2
        case 2: return 4
        case 3: return 3
        case 4: return 5
        case 5: return 8
        case 6: return 6
        case 7: return 7
        default: return 1
        }
    }

    /// The output size for an input of `width` x `height`.
    public func size(width: Int, height: Int) -> (width: Int, height: Int) {
        swapsSides ? (height, width) : (width, height)
    }

    /// Writes `source` (`width` x `height` pixels of 3 interleaved samples) turned into `destination`, which holds
    /// the same number of samples. Output pixel (r, c) is input pixel (R, C) where, as dcraw's `flip_index`:
    /// (R, C) = (c, r) if transposed, then R = height-1-R if bit 1, C = width-1-C if bit 0.
    public func apply<Sample>(_ source: UnsafePointer<Sample>, width: Int, height: Int,
                              into destination: UnsafeMutablePointer<Sample>) {
        let out = size(width: width, height: height)
        for row in 0 ..< out.height {
            let line = destination + row * out.width * 3
            for col in 0 ..< out.width {
                var r = row, c = col
                if flip & 4 != 0 { swap(&r, &c) }
                if flip & 2 != 0 { r = height - 1 - r }
                if flip & 1 != 0 { c = width - 1 - c }
                let pixel = source + (r * width + c) * 3
                line[col * 3] = pixel[0]
                line[col * 3 + 1] = pixel[1]
                line[col * 3 + 2] = pixel[2]
            }
        }
    }
}
