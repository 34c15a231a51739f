import CBLAS

/// The layer kernels of the U-Net, on planar CHW float tensors.
///
/// A tensor of `c` channels over an `h` x `w` grid is `c` consecutive planes of `h * w` floats.
/// Output pointers may point into the middle of a larger buffer (a channel offset of a concat
/// buffer): that is how `[up, skip]` is assembled without copies.
enum Kernels {
    /// Floats of im2col a GEMM block may use; at least 256 positions are always taken.
    static let blockBudget = 1 << 20

    /// Floats a Winograd block may use: enough for about a hundred 4x4 blocks of the widest layer.
    static let winogradBudget = 4 << 20

    static func scratchFloats(for architecture: UNetArchitecture) -> Int {
        let widestK = architecture.channels(level: 5) * 9
        let widestUp = architecture.channels(level: 4) * 4
        return max(blockBudget, winogradBudget, widestK * 256, widestUp * 1024)
    }

    /// 3x3 convolution, padding 1, bias, then LeakyReLU max(x, 0.2x).
    ///
    /// Positions are cut into blocks; each block is unfolded (im2col) into the thread's scratch
    /// and multiplied with the [cout][cin*9] weights in one sgemm straight into the output planes.
    static func convolution3x3(
        _ conv: UNet.Convolution,
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        height: Int, width: Int, pool: ComputePool
    ) {
        if let filters = conv.winogradFilters {
            filters.withUnsafeBufferPointer {
                Winograd.convolution(conv, filters: $0.baseAddress!, input: input, output: output,
                                     height: height, width: width, pool: pool)
            }
            return
        }
        let plane = height * width
        let k = conv.inChannels * 9
        let block = min(plane, max(256, pool.scratchCount / k))
        let blocks = (plane + block - 1) / block
        conv.weights.withUnsafeBufferPointer { weights in
        conv.bias.withUnsafeBufferPointer { bias in
            pool.forEach(blocks) { index, thread in
                let start = index * block
                let count = min(block, plane - start)
                let columns = pool.scratch[thread]
                unfold3x3(input: input, channels: conv.inChannels, height: height, width: width,
                          start: start, count: count, into: columns)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                            Int32(conv.outChannels), Int32(count), Int32(k),
                            1, weights.baseAddress, Int32(k),
                            columns, Int32(count),
                            0, output + start, Int32(plane))
                for o in 0..<conv.outChannels {
                    biasLeakyReLU(output + o * plane + start, count: count, bias: bias[o])
                }
            }
        }
        }
    }

    /// im2col for positions start..<start+count: row (c*9 + ky*3 + kx) holds input[c][y+ky-1][x+kx-1],
    /// zero outside the image. The order matches PyTorch's [cout][cin][3][3] weights.
    static func unfold3x3(
        input: UnsafePointer<Float>, channels: Int, height: Int, width: Int,
        start: Int, count: Int, into columns: UnsafeMutablePointer<Float>
    ) {
        let plane = height * width
        for c in 0..<channels {
            let source = input + c * plane
            for ky in 0..<3 {
                for kx in 0..<3 {
                    let row = columns + ((c * 3 + ky) * 3 + kx) * count
                    var done = 0
                    while done < count {
                        let p = start + done
                        let y = p / width, x = p % width
                        let run = min(width - x, count - done)
                        let sy = y + ky - 1
                        let target = row + done
                        if sy < 0 || sy >= height {
                            target.update(repeating: 0, count: run)
                        } else {
                            // Source columns x+kx-1 ..< x+run+kx-1, clipped to the row.
                            let line = source + sy * width
                            let first = x + kx - 1
                            var lo = 0, hi = run
                            if first < 0 { target[0] = 0; lo = 1 }
                            if first + run > width { target[run - 1] = 0; hi = run - 1 }
                            if hi > lo { (target + lo).update(from: line + first + lo, count: hi - lo) }
                        }
                        done += run
                    }
                }
            }
        }
    }

    static func biasLeakyReLU(_ values: UnsafeMutablePointer<Float>, count: Int, bias: Float) {
        for i in 0..<count {
            let v = values[i] + bias
            values[i] = max(v, 0.2 * v)
        }
    }

    /// 2x2 stride-2 max pool with TensorFlow's SAME padding: a ragged last row or column pools what it has.
    static func maxPool(
        input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
        channels: Int, height: Int, width: Int, pool: ComputePool
    ) {
        let oh = (height + 1) / 2, ow = (width + 1) / 2
        pool.forEach(channels) { c, _ in
            let source = input + c * height * width
            let target = output + c * oh * ow
            for oy in 0..<oh {
                let top = source + 2 * oy * width
                let bottom = 2 * oy + 1 < height ? top + width : top
                let row = target + oy * ow
                for ox in 0..<ow {
                    let x0 = 2 * ox, x1 = min(2 * ox + 1, width - 1)
                    row[ox] = max(max(top[x0], top[x1]), max(bottom[x0], bottom[x1]))
                }
            }
        }
    }

    /// 2x2 stride-2 transposed convolution with bias (no activation), its output cropped at the
    /// bottom and right to the skip connection's `outHeight` x `outWidth`, as TensorFlow's SAME
    /// conv2d_transpose does for an odd skip.
    static func transposedConvolution(
        _ up: UNet.TransposedConvolution,
        input: UnsafePointer<Float>, height: Int, width: Int,
        output: UnsafeMutablePointer<Float>, outHeight: Int, outWidth: Int, pool: ComputePool
    ) {
        let plane = height * width
        let outPlane = outHeight * outWidth
        let rows = 4 * up.outChannels
        let block = min(plane, max(64, pool.scratchCount / rows))
        let blocks = (plane + block - 1) / block
        up.weights.withUnsafeBufferPointer { weights in
        up.bias.withUnsafeBufferPointer { bias in
            pool.forEach(blocks) { index, thread in
                let start = index * block
                let count = min(block, plane - start)
                let products = pool.scratch[thread]
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                            Int32(rows), Int32(count), Int32(up.inChannels),
                            1, weights.baseAddress, Int32(up.inChannels),
                            input + start, Int32(plane),
                            0, products, Int32(count))
                for sub in 0..<4 {
                    let i = sub / 2, j = sub % 2
                    for o in 0..<up.outChannels {
                        let source = products + (sub * up.outChannels + o) * count
                        let target = output + o * outPlane
                        let b = bias[o]
                        for n in 0..<count {
                            let p = start + n
                            let oy = 2 * (p / width) + i, ox = 2 * (p % width) + j
                            if oy < outHeight && ox < outWidth {
                                target[oy * outWidth + ox] = source[n] + b
                            }
                        }
                    }
                }
            }
        }
        }
    }
}
