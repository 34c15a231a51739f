/// Turns a Bayer mosaic into the SID model's input exactly as the SID authors' `pack_raw` does.
///
/// Each value is `min(max(raw - black, 0) / (white - black) * ratio, 1)` in Float32, with black per cell position.
/// The 2x2 cells start at the red photosite, and their offsets (0,0), (0,1), (1,1), (1,0) become planes 0...3:
/// R, G, B, G on RGGB. Odd leftovers after the red origin are dropped.
public enum BayerPacker {
    /// The model downsamples four times by 2, so planes smaller than 16x16 cannot go through it.
    public static let minimumPackedSide = 16

    /// Offsets in the cell relative to the red origin, in plane order.
    static let cellOffsets = [(row: 0, col: 0), (row: 0, col: 1), (row: 1, col: 1), (row: 1, col: 0)]

    /// Packs, normalises, amplifies by `ratio` (> 0, finite) and clips to 1. The raw must be Bayer.
    public static func pack(_ raw: RawImage, ratio: Float) -> PackedImage {
        precondition(ratio.isFinite && ratio > 0, "the exposure ratio must be positive and finite")
        let geometry = Geometry(raw)
        let planeSize = geometry.height * geometry.width
        let values = [Float](unsafeUninitializedCapacity: 4 * planeSize) { buffer, count in
            raw.pixels.withUnsafeBufferPointer { source in
                guard let output = buffer.baseAddress, let input = source.baseAddress else { return }
                for channel in 0 ..< 4 {
                    let plane = geometry.plane(channel, of: raw)
                    for row in 0 ..< geometry.height {
                        let line = input + (plane.firstRow + 2 * row) * raw.width + plane.firstCol
                        let destination = output + channel * planeSize + row * geometry.width
                        for col in 0 ..< geometry.width {
                            let normalised = max(Float(line[2 * col]) - plane.black, 0) / plane.range
                            destination[col] = min(normalised * ratio, 1)
                        }
                    }
                }
            }
            count = 4 * planeSize
        }
        return PackedImage(channels: 4, height: geometry.height, width: geometry.width, values: values)
    }

    /// Mean of the normalised values (before the ratio and without clipping) over the packed area.
    public static func normalisedMean(_ raw: RawImage) -> Double {
        let geometry = Geometry(raw)
        guard geometry.height > 0, geometry.width > 0 else { return 0 }
        var total = 0.0
        raw.pixels.withUnsafeBufferPointer { source in
            guard let input = source.baseAddress else { return }
            for channel in 0 ..< 4 {
                let plane = geometry.plane(channel, of: raw)
                for row in 0 ..< geometry.height {
                    let line = input + (plane.firstRow + 2 * row) * raw.width + plane.firstCol
                    var lineTotal: Float = 0
                    for col in 0 ..< geometry.width {
                        lineTotal += max(Float(line[2 * col]) - plane.black, 0) / plane.range
                    }
                    total += Double(lineTotal)
                }
            }
        }
        return total / Double(4 * geometry.height * geometry.width)
    }

    /// Packed size and, per plane, where its samples start and which levels apply.
    private struct Geometry {
        let origin: (row: Int, col: Int)
        let height: Int
        let width: Int

        init(_ raw: RawImage) {
            guard case let .bayer(cfa) = raw.mosaic else {
                preconditionFailure("BayerPacker takes Bayer raws; use XTransPacker for \(raw.mosaic.name)")
            }
            origin = cfa.redOrigin
            height = max((raw.height - origin.row) / 2, 0)
            width = max((raw.width - origin.col) / 2, 0)
        }

        func plane(_ channel: Int, of raw: RawImage) -> (firstRow: Int, firstCol: Int, black: Float, range: Float) {
            let row = origin.row + BayerPacker.cellOffsets[channel].row
            let col = origin.col + BayerPacker.cellOffsets[channel].col
            let black = raw.blackLevels[(row & 1) * 2 + (col & 1)]
            // The decoder guarantees white > black; a hand-built RawImage with bad levels must not divide by zero.
            let range = max(raw.whiteLevel - black, 1)
            return (row, col, black, range)
        }
    }
}
