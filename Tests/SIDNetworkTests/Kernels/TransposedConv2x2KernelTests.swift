import CKernels
@testable import SIDNetwork
import XCTest

/// sid_transposed_conv2x2 against PyTorch's ConvTranspose2d(kernel 2, stride 2) written as plain loops:
/// out[o][2y + i][2x + j] = bias[o] + sum_c in[c][y][x] w[c][o][i][j]. Output channels that are and are not a
/// multiple of 16, an odd output width (the last column cropped), a missing bottom row, and rows cut into chunks.
final class TransposedConv2x2KernelTests: XCTestCase {
    func testTransposedConvolutionMatchesPlainLoops() {
        var seed: UInt64 = 10
        for (cin, cout) in [(32, 16), (16, 8), (64, 32), (20, 20)] {
            for width in [1, 3, 8, 13] {
                for (outWidth, hasBottom) in [(2 * width, true), (2 * width - 1, true), (2 * width, false)] {
                    seed += 1
                    check(cin: cin, cout: cout, width: width, outWidth: outWidth, hasBottom: hasBottom, seed: seed)
                }
            }
        }
    }

    private func check(cin: Int, cout: Int, width: Int, outWidth: Int, hasBottom: Bool, seed: UInt64) {
        var values = KernelTesting.Values(seed: seed)
        let inputStride = cin + 4, outputStride = cout + 8, padded = UNet.padded(cout)
        let input = values.array(width * inputStride)
        let torch = values.array(cin * cout * 4, scale: 0.5)  // PyTorch's [cin][cout][2][2]
        let bias = values.array(cout)
        // The kernel's layout, [cin][2i + j][cout rounded up to 16], as UNet builds it at load.
        var weights = [Float](repeating: 0, count: cin * 4 * padded)
        for c in 0..<cin {
            for o in 0..<cout {
                for k in 0..<4 { weights[(c * 4 + k) * padded + o] = torch[(c * cout + o) * 4 + k] }
            }
        }
        // Two output rows of outWidth pixels; NaN where nothing may be written.
        var expected = [[Float]](repeating: [Float](repeating: .nan, count: outWidth * outputStride), count: 2)
        for i in 0..<2 where i == 0 || hasBottom {
            for x in 0..<outWidth {
                let (source, j) = (x / 2, x % 2)
                for o in 0..<cout {
                    var sum = Double(bias[o])
                    for c in 0..<cin {
                        sum += Double(input[source * inputStride + c]) * Double(torch[((c * cout + o) * 2 + i) * 2 + j])
                    }
                    expected[i][x * outputStride + o] = Float(sum)
                }
            }
        }
        KernelTesting.forEveryInstructionSet { instructionSet in
            for chunk in [width, 2] {
                var top = [Float](repeating: .nan, count: outWidth * outputStride)
                var bottom = top
                var scratch = [Float](repeating: 0, count: chunk * 4 * padded)
                for x0 in stride(from: 0, to: width, by: chunk) {
                    top.withUnsafeMutableBufferPointer { top in
                    bottom.withUnsafeMutableBufferPointer { bottom in
                        sid_transposed_conv2x2(input, Int32(inputStride), Int32(cin), Int32(x0), Int32(min(chunk, width - x0)),
                                               weights, bias, Int32(cout), top.baseAddress,
                                               hasBottom ? bottom.baseAddress : nil, Int32(outputStride),
                                               Int32(outWidth), &scratch)
                    }
                    }
                }
                let label = "\(instructionSet) \(cin)->\(cout) width \(width) out \(outWidth) bottom \(hasBottom) chunk \(chunk)"
                KernelTesting.assertClose(top, expected[0], tolerance: 1e-5, label + " top")
                KernelTesting.assertClose(bottom, expected[1], tolerance: 1e-5, label + " bottom")
                for (found, wanted) in [(top, expected[0]), (bottom, expected[1])] {
                    XCTAssertEqual(zip(found, wanted).filter { $1.isNaN && !$0.isNaN }.count, 0, "\(label): writes outside")
                }
            }
        }
    }
}
