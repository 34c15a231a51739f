import CKernels
@testable import SIDNetwork
import XCTest

/// The three 3x3 convolution kernels of CKernels (direct, Winograd F(4x4) and F(6x6)) against a plain
/// double-precision convolution, on shapes the networks of the parity tests never make: widths of 1 and 2,
/// output channels that end in half a filter panel (48), a group of 16 channels straddling the two inputs,
/// units cut into odd chunks of pixels, tiles and channel shares. Every instruction set this CPU runs is checked.
final class ConvolutionKernelTests: XCTestCase {
    /// A [height][width][channels] image, a bank of [cout][cin][3][3] filters and biases, from a seed.
    private struct Problem {
        let height: Int, width: Int, first: Int, second: Int, out: Int
        let input: [Float], skip: [Float], weights: [Float], bias: [Float]

        init(height: Int, width: Int, first: Int, second: Int = 0, out: Int, seed: UInt64) {
            var state = seed
            func next() -> Float {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return Float(Int(state >> 40) - (1 << 23)) / Float(1 << 23)
            }
            self.height = height
            self.width = width
            self.first = first
            self.second = second
            self.out = out
            input = (0..<height * width * first).map { _ in next() }
            skip = (0..<height * width * second).map { _ in next() }
            weights = (0..<out * (first + second) * 9).map { _ in next() * 0.3 }
            bias = (0..<out).map { _ in next() }
        }

        /// Conv (padding 1) + bias + LeakyReLU 0.2 over [input, skip], in doubles.
        var expected: [Float] {
            let cin = first + second
            var result = [Float](repeating: 0, count: height * width * out)
            for y in 0..<height {
                for x in 0..<width {
                    for o in 0..<out {
                        var sum = Double(bias[o])
                        for dy in 0..<3 {
                            for dx in 0..<3 {
                                let sy = y + dy - 1, sx = x + dx - 1
                                guard sy >= 0, sy < height, sx >= 0, sx < width else { continue }
                                for c in 0..<cin {
                                    let value = c < first ? input[(sy * width + sx) * first + c]
                                                          : skip[(sy * width + sx) * second + c - first]
                                    sum += Double(value) * Double(weights[(o * cin + c) * 9 + dy * 3 + dx])
                                }
                            }
                        }
                        result[(y * width + x) * out + o] = Float(sum > 0 ? sum : 0.2 * sum)
                    }
                }
            }
            return result
        }
    }

    enum Kernel { case direct, f4x4, f6x6 }

    /// Runs `problem` as one unit of rows through `kernel`, calling it on `chunk`-sized pieces (pixels for
    /// the direct kernel, tiles for Winograd) and output-channel shares of `share`.
    private func convolve(_ problem: Problem, _ kernel: Kernel, chunk: Int, share: Int = 1 << 20) -> [Float] {
        let (height, width) = (problem.height, problem.width)
        let cin = problem.first + problem.second
        let direct = kernel == .direct
        // The unit's rows come in tiles of 4 rows (direct, F(4x4)) or 6 (F(6x6)): the rows past the image
        // in the last one are NULL.
        let tile = kernel == .f6x6 ? 6 : 4
        let tileRows = (height + tile - 1) / tile
        var input = problem.input, skip = problem.skip
        var output = [Float](repeating: .nan, count: height * width * problem.out)
        let filterCount: Int
        switch kernel {
        case .direct: filterCount = sid_direct_conv3x3_filter_floats(Int32(cin), Int32(problem.out))
        case .f4x4: filterCount = sid_winograd_f4x4_3x3_filter_floats(Int32(cin), Int32(problem.out))
        case .f6x6: filterCount = sid_winograd_f6x6_3x3_filter_floats(Int32(cin), Int32(problem.out))
        }
        var filters = [Float](repeating: 0, count: filterCount)
        problem.weights.withUnsafeBufferPointer { w in
            filters.withUnsafeMutableBufferPointer {
                switch kernel {
                case .direct: sid_direct_conv3x3_filters(w.baseAddress, Int32(cin), Int32(problem.out), $0.baseAddress)
                case .f4x4: sid_winograd_f4x4_3x3_filters(w.baseAddress, Int32(cin), Int32(problem.out), 0, Int32(cin), $0.baseAddress)
                case .f6x6: sid_winograd_f6x6_3x3_filters(w.baseAddress, Int32(cin), Int32(problem.out), 0, Int32(cin), $0.baseAddress)
                }
            }
        }
        let tiles = tileRows * ((width + tile - 1) / tile)
        let scratchCount = kernel == .f6x6
            ? sid_winograd_f6x6_3x3_scratch_floats(Int32(cin), Int32(min(share, problem.out)), Int32(min(chunk, tiles)))
            : sid_winograd_f4x4_3x3_scratch_floats(Int32(cin), Int32(min(share, problem.out)), Int32(min(chunk, tiles)))
        var scratch = [Float](repeating: 0, count: scratchCount)
        input.withUnsafeMutableBufferPointer { input in
        skip.withUnsafeMutableBufferPointer { skip in
        output.withUnsafeMutableBufferPointer { output in
        filters.withUnsafeBufferPointer { filters in
        problem.bias.withUnsafeBufferPointer { bias in
        scratch.withUnsafeMutableBufferPointer { scratch in
            func rows(_ base: UnsafeMutablePointer<Float>?, _ channels: Int, first: Int, count: Int) -> [UnsafeMutablePointer<Float>?] {
                (0..<count).map { i in
                    let y = first + i
                    return y >= 0 && y < height ? base.map { $0 + y * width * channels } : nil
                }
            }
            let inputRows = rows(input.baseAddress, problem.first, first: -1, count: tile * tileRows + 2).map { $0.map { UnsafePointer($0) } }
            let skipRows = rows(skip.baseAddress, problem.second, first: -1, count: tile * tileRows + 2).map { $0.map { UnsafePointer($0) } }
            let outputRows = rows(output.baseAddress, problem.out, first: 0, count: tile * tileRows)
            inputRows.withUnsafeBufferPointer { inputRows in
            skipRows.withUnsafeBufferPointer { skipRows in
            outputRows.withUnsafeBufferPointer { outputRows in
                var conv = sid_conv3x3(
                    input_rows: inputRows.baseAddress, input_stride: Int32(problem.first), in_channels: Int32(problem.first),
                    second_rows: problem.second > 0 ? skipRows.baseAddress : nil, second_stride: Int32(problem.second),
                    second_channels: Int32(problem.second),
                    output_rows: outputRows.baseAddress, output_stride: Int32(problem.out), out_channels: Int32(problem.out),
                    width: Int32(width), tile_rows: Int32(tileRows), filters: filters.baseAddress, bias: bias.baseAddress)
                if direct {
                    for row in 0..<height {
                        for x0 in stride(from: 0, to: width, by: chunk) {
                            sid_direct_conv3x3(&conv, Int32(row), Int32(x0), Int32(min(chunk, width - x0)))
                        }
                    }
                } else {
                    for first in stride(from: 0, to: tiles, by: chunk) {
                        for channel in stride(from: 0, to: problem.out, by: share) {
                            let count = Int32(min(chunk, tiles - first)), outputs = Int32(min(share, problem.out - channel))
                            if kernel == .f6x6 {
                                sid_winograd_f6x6_3x3(&conv, Int32(first), count, Int32(channel), outputs, scratch.baseAddress)
                            } else {
                                sid_winograd_f4x4_3x3(&conv, Int32(first), count, Int32(channel), outputs, scratch.baseAddress)
                            }
                        }
                    }
                }
            }
            }
            }
        }
        }
        }
        }
        }
        }
        return output
    }

    /// Winograd's transforms cost a few bits (errors near 3e-5 of the magnitude here); a layout or
    /// indexing mistake is off by the size of the values themselves.
    @discardableResult
    private func assertMatches(_ found: [Float], _ expected: [Float], tolerance: Float, _ label: String,
                               file: StaticString = #filePath, line: UInt = #line) -> Float {
        var worst: Float = 0
        for (a, b) in zip(found, expected) { worst = max(worst, abs(a - b) / max(1, abs(b))) }
        XCTAssertFalse(found.contains { $0.isNaN }, "\(label): every output pixel is written", file: file, line: line)
        XCTAssertLessThan(worst, tolerance, label, file: file, line: line)
        return worst
    }

    /// The packed input's 4 (Sony) or 9 (Fuji) channels, images down to one pixel wide, rows cut into
    /// pieces that start and end anywhere, and output channels that fill 32, 8 (part of a vector) or 48.
    func testDirectConvolutionMatchesPlainConvolution() {
        var seed: UInt64 = 1
        for cin in [4, 9] {
            for out in [32, 8, 48] {
                for width in [1, 2, 13, 37] {
                    seed += 1
                    let problem = Problem(height: 6, width: width, first: cin, out: out, seed: seed)
                    let expected = problem.expected
                    KernelTesting.forEveryInstructionSet { instructionSet in
                        for chunk in [width, 5] {
                            assertMatches(convolve(problem, .direct, chunk: chunk), expected, tolerance: 1e-5,
                                          "\(instructionSet) direct cin \(cin) out \(out) width \(width) chunk \(chunk)")
                        }
                    }
                }
            }
        }
    }

    /// Filters stored in 32-channel panels: an output count ending in half a panel, shares of one panel,
    /// tile chunks that are not a multiple of the micro-kernel's rows, and the decoder's two inputs, with
    /// a 16-channel group that straddles them.
    func testWinogradConvolutionMatchesPlainConvolution() {
        var seed: UInt64 = 100
        for (first, second) in [(32, 0), (16, 16), (20, 12), (8, 0)] {
            for out in [32, 48, 8] {
                for width in [3, 13, 37] {
                    seed += 1
                    let problem = Problem(height: 7, width: width, first: first, second: second, out: out, seed: seed)
                    let expected = problem.expected
                    KernelTesting.forEveryInstructionSet { instructionSet in
                        for (chunk, share) in [(1 << 20, 1 << 20), (5, 32), (13, 1 << 20)] {
                            assertMatches(convolve(problem, .f4x4, chunk: chunk, share: share), expected, tolerance: 1e-4,
                                          "\(instructionSet) winograd \(first)+\(second) -> \(out) width \(width) chunk \(chunk) share \(share)")
                        }
                    }
                }
            }
        }
    }

    /// F(6x6) on the same kind of shapes, with 6-row tiles: heights that leave the last tile row part empty
    /// (NULL output and input rows), widths that end inside a tile or are narrower than one, channel counts
    /// that are no multiple of 16 or 32, and the decoder's [up, skip] input. Its transforms round more than
    /// F(4x4)'s, hence the looser bound (the worst here is 8.6e-5); a layout mistake is off by ~1.
    func testWinogradF6x6ConvolutionMatchesPlainConvolution() {
        var seed: UInt64 = 200
        var worst: Float = 0
        for (first, second) in [(32, 0), (16, 16), (20, 12), (8, 0), (24, 40)] {
            for out in [32, 48, 8, 40] {
                for (height, width) in [(7, 3), (13, 37), (6, 14), (1, 9), (12, 5)] {
                    seed += 1
                    let problem = Problem(height: height, width: width, first: first, second: second, out: out, seed: seed)
                    let expected = problem.expected
                    KernelTesting.forEveryInstructionSet { instructionSet in
                        for (chunk, share) in [(1 << 20, 1 << 20), (5, 32), (13, 1 << 20)] {
                            let error = assertMatches(convolve(problem, .f6x6, chunk: chunk, share: share), expected, tolerance: 5e-4,
                                                      "\(instructionSet) F(6x6) \(first)+\(second) -> \(out) \(height)x\(width) chunk \(chunk) share \(share)")
                            worst = max(worst, error)
                        }
                    }
                }
            }
        }
        print("F(6x6) worst relative error against doubles: \(worst)")
    }
}
