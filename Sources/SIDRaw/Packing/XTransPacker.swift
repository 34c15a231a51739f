/// Turns an X-Trans mosaic into the SID Fuji model's 9-channel input exactly as the SID authors' Fuji `pack_raw` does.
///
/// Each value is `min(max(raw - black, 0) / (white - black) * ratio, 1)` in Float32. The mosaic is read from the
/// pattern's `modelOrigin` (where the X-T2 phase starts) and cropped down to whole 6x6 blocks; every block becomes
/// a 2x2 cell of each of the nine planes, so planes are a third of the cropped size. Planes 0 and 3 hold red
/// photosites, 2 and 4 blue, 1 and 5...8 green (5...8 are the four greens at rows 1-2, columns 0-1 of each 3x3
/// half-block).
public enum XTransPacker {
    /// The model downsamples four times by 2, so planes smaller than 16x16 cannot go through it.
    public static let minimumPackedSide = 16
    /// Planes in the packed image.
    static let channels = 9

    /// Per plane, the photosite of the 6x6 block (from the model origin) that lands at each position of the plane's
    /// 2x2 cell, in the order (0,0), (0,1), (1,0), (1,1).
    static let blockOffsets: [[(row: Int, col: Int)]] = [
        [(0, 0), (0, 4), (3, 1), (3, 3)],
        [(0, 2), (0, 5), (3, 2), (3, 5)],
        [(0, 1), (0, 3), (3, 0), (3, 4)],
        [(1, 2), (2, 5), (5, 2), (4, 5)],
        [(2, 2), (1, 5), (4, 2), (5, 5)],
        // Planes 5...8 take one photosite per 3x3 half-block, so their 2x2 cell steps by 3.
        [(1, 0), (1, 3), (4, 0), (4, 3)],
        [(1, 1), (1, 4), (4, 1), (4, 4)],
        [(2, 0), (2, 3), (5, 0), (5, 3)],
        [(2, 1), (2, 4), (5, 1), (5, 4)],
    ]

    /// Packs, normalises, amplifies by `ratio` (> 0, finite) and clips to 1. The raw must be X-Trans.
    public static func pack(_ raw: RawImage, ratio: Float) -> PackedImage {
        precondition(ratio.isFinite && ratio > 0, "the exposure ratio must be positive and finite")
        let geometry = Geometry(raw)
        let planeSize = geometry.height * geometry.width
        let values = [Float](unsafeUninitializedCapacity: channels * planeSize) { buffer, count in
            raw.pixels.withUnsafeBufferPointer { source in
                guard let output = buffer.baseAddress, let input = source.baseAddress else { return }
                for channel in 0 ..< channels {
                    for (cell, offset) in blockOffsets[channel].enumerated() {
                        let cellRow = cell / 2, cellCol = cell % 2
                        for blockRow in 0 ..< geometry.height / 2 {
                            let line = input + (geometry.origin.row + 6 * blockRow + offset.row) * raw.width
                                + geometry.origin.col + offset.col
                            let destination = output + channel * planeSize
                                + (2 * blockRow + cellRow) * geometry.width + cellCol
                            for blockCol in 0 ..< geometry.width / 2 {
                                let normalised = max(Float(line[6 * blockCol]) - geometry.black, 0) / geometry.range
                                destination[2 * blockCol] = min(normalised * ratio, 1)
                            }
                        }
                    }
                }
            }
            count = channels * planeSize
        }
        return PackedImage(channels: channels, height: geometry.height, width: geometry.width, values: values)
    }

    /// Mean of the normalised values (before the ratio and without clipping) over the packed area.
    public static func normalisedMean(_ raw: RawImage) -> Double {
        let geometry = Geometry(raw)
        guard geometry.height > 0, geometry.width > 0 else { return 0 }
        // Every photosite of the cropped area lands in exactly one plane, so the mean is over the crop itself.
        let croppedHeight = 3 * geometry.height, croppedWidth = 3 * geometry.width
        var total = 0.0
        raw.pixels.withUnsafeBufferPointer { source in
            guard let input = source.baseAddress else { return }
            for row in 0 ..< croppedHeight {
                let line = input + (geometry.origin.row + row) * raw.width + geometry.origin.col
                var lineTotal: Float = 0
                for col in 0 ..< croppedWidth {
                    lineTotal += max(Float(line[col]) - geometry.black, 0) / geometry.range
                }
                total += Double(lineTotal)
            }
        }
        return total / Double(croppedHeight * croppedWidth)
    }

    /// Packed plane size for a visible area: a third of the whole 6x6 blocks after the model origin.
    static func packedSize(width: Int, height: Int, pattern: XTransPattern) -> (width: Int, height: Int) {
        let origin = pattern.modelOrigin
        return (max((width - origin.col) / 6, 0) * 2, max((height - origin.row) / 6, 0) * 2)
    }

    /// Packed size, where the 6x6 blocks start, and the levels.
    private struct Geometry {
        let origin: (row: Int, col: Int)
        let height: Int
        let width: Int
        let black: Float
        let range: Float

        init(_ raw: RawImage) {
            guard case let .xTrans(pattern) = raw.mosaic else {
                preconditionFailure("XTransPacker takes X-Trans raws; use BayerPacker for \(raw.mosaic.name)")
            }
            origin = pattern.modelOrigin
            (width, height) = XTransPacker.packedSize(width: raw.width, height: raw.height, pattern: pattern)
            // X-Trans raws carry one black level, repeated over the four entries.
            black = raw.blackLevels[0]
            // The decoder guarantees white > black; a hand-built RawImage with bad levels must not divide by zero.
            range = max(raw.whiteLevel - black, 1)
        }
    }
}
