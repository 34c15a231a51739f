import CBLAS

/// Runs a `UNet` forward over packed images of any size. One runner per worker: it owns every
/// activation and scratch buffer, allocates them on first use (sized for the largest tile seen)
/// and reuses them across layers, tiles and calls. Not thread-safe; its `threads` work inside it.
public final class UNetRunner {
    public let model: UNet
    public let maxTile: Int
    public var threads: Int { pool.threads }

    private let pool: ComputePool
    private let buffers: ActivationBuffers

    /// - Parameters:
    ///   - threads: compute threads for this runner (sgemm blocks are spread over them).
    ///   - maxTile: the largest tile edge in packed pixels; memory grows with its square
    ///     (about 736 bytes per tile pixel for the 32-wide model), speed with fewer, larger tiles.
    public init(model: UNet, threads: Int = 1, maxTile: Int = 768) {
        self.model = model
        self.maxTile = maxTile
        self.pool = ComputePool(threads: threads, scratchFloats: Kernels.scratchFloats(for: model.architecture))
        self.buffers = ActivationBuffers(architecture: model.architecture)
    }

    /// Bytes held by this runner's buffers right now.
    public var allocatedBytes: Int { buffers.allocatedBytes + pool.threads * pool.scratchCount * 4 }

    /// Runs the network on a planar [inChannels][height][width] packed image and writes the
    /// (scale*height) x (scale*width) RGB result into `output`.
    public func run(
        input: UnsafeBufferPointer<Float>, height: Int, width: Int,
        output: OutputImage, timings: LayerTimings? = nil
    ) throws {
        let channels = model.architecture.inChannels
        guard height > 0, width > 0 else { throw UNetError.inputTooSmall(height: height, width: width) }
        guard input.count == channels * height * width, let source = input.baseAddress else {
            throw UNetError.inputShape(expected: channels * height * width, found: input.count)
        }
        let plan = TilePlan(height: height, width: width, maxTile: maxTile)
        buffers.reserve(height: plan.largestTile.height, width: plan.largestTile.width)
        for tile in plan.tiles {
            let rows = tile.rows.tile, columns = tile.columns.tile
            // Gather the tile's window of every input plane into the level-1 input buffer.
            for c in 0..<channels {
                for (r, y) in rows.enumerated() {
                    (buffers.input + (c * rows.count + r) * columns.count)
                        .update(from: source + (c * height + y) * width + columns.lowerBound, count: columns.count)
                }
            }
            forward(height: rows.count, width: columns.count, timings: timings)
            writeOutput(tile: tile, imageWidth: width, output: output, timings: timings)
        }
    }

    /// The whole network on the tile in `buffers.input`, leaving conv9_2's result in level 1's
    /// concat buffer. Encoder convs write their skip into the upper half of that level's concat
    /// buffer; the transposed conv later writes into the lower half, giving `[up, skip]` for free.
    private func forward(height: Int, width: Int, timings: LayerTimings?) {
        let levels = buffers.levelSizes(height: height, width: width)
        func time(_ name: String, _ work: () -> Void) {
            if let timings { timings.measure(name, work) } else { work() }
        }

        var source = UnsafePointer(buffers.input)
        for level in 1...5 {
            let (h, w) = levels[level - 1]
            let (first, second) = model.encoder[level - 1]
            let activation = buffers.activation(level)
            time("conv\(level)_1") {
                Kernels.convolution3x3(first, input: source, output: activation, height: h, width: w, pool: pool)
            }
            let skip = buffers.skip(level, height: height, width: width)
            time("conv\(level)_2") {
                Kernels.convolution3x3(second, input: activation, output: skip, height: h, width: w, pool: pool)
            }
            if level < 5 {
                let pooled = buffers.lower(level + 1)
                time("pool\(level)") {
                    Kernels.maxPool(input: skip, output: pooled, channels: second.outChannels,
                                    height: h, width: w, pool: pool)
                }
                source = UnsafePointer(pooled)
            }
        }

        var deeper = UnsafePointer(buffers.skip(5, height: height, width: width))
        for (index, level) in [4, 3, 2, 1].enumerated() {
            let (h, w) = levels[level - 1]
            let (dh, dw) = levels[level]
            let (up, first, second) = model.decoder[index]
            let block = 10 - level
            let concat = buffers.lower(level)
            time("upv\(block)") {
                Kernels.transposedConvolution(up, input: deeper, height: dh, width: dw,
                                              output: concat, outHeight: h, outWidth: w, pool: pool)
            }
            let activation = buffers.activation(level)
            time("conv\(block)_1") {
                Kernels.convolution3x3(first, input: concat, output: activation, height: h, width: w, pool: pool)
            }
            time("conv\(block)_2") {
                Kernels.convolution3x3(second, input: activation, output: concat, height: h, width: w, pool: pool)
            }
            deeper = UnsafePointer(concat)
        }
    }

    /// conv10 (1x1) + pixel shuffle + clip/quantise, for the tile's core rows only.
    private func writeOutput(tile: TilePlan.Tile, imageWidth: Int, output: OutputImage, timings: LayerTimings?) {
        let work = {
            let conv = self.model.output
            let scale = self.model.architecture.scale
            let tileWidth = tile.columns.tile.count
            let plane = tile.rows.tile.count * tileWidth
            let coreWidth = tile.columns.core.count
            let x0 = tile.columns.core.lowerBound - tile.columns.tile.lowerBound
            let features = UnsafePointer(self.buffers.lower(1))
            let rowStride = scale * imageWidth * 3
            conv.weights.withUnsafeBufferPointer { weights in
            conv.bias.withUnsafeBufferPointer { bias in
                self.pool.forEach(tile.rows.core.count) { index, thread in
                    let y = tile.rows.core.lowerBound + index
                    let localY = y - tile.rows.tile.lowerBound
                    let products = self.pool.scratch[thread]
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                Int32(conv.outChannels), Int32(coreWidth), Int32(conv.inChannels),
                                1, weights.baseAddress, Int32(conv.inChannels),
                                features + localY * tileWidth + x0, Int32(plane),
                                0, products, Int32(coreWidth))
                    for i in 0..<scale {
                        let outRow = (scale * y + i) * rowStride
                        for j in 0..<scale {
                            for c in 0..<3 {
                                let channel = (c * scale + i) * scale + j
                                let source = products + channel * coreWidth
                                let b = bias[channel]
                                var index = outRow + (scale * tile.columns.core.lowerBound + j) * 3 + c
                                for x in 0..<coreWidth {
                                    output.store(source[x] + b, at: index)
                                    index += 3 * scale
                                }
                            }
                        }
                    }
                }
            }
            }
        }
        if let timings { timings.measure("conv10+shuffle", work) } else { work() }
    }
}
