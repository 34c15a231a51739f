import CKernels
@testable import SIDNetwork
import XCTest

/// sid_max_pool2x2 against PyTorch's max_pool2d(2) as plain loops, extended as the U-Net's ceil mode pools an
/// odd size: a ragged last row (bottom = top) and a ragged last column pool what they have.
final class MaxPool2x2KernelTests: XCTestCase {
    func testMaxPoolMatchesPlainLoopsWithRaggedEdges() {
        var seed: UInt64 = 20
        for channels in [16, 32, 4, 9] {
            for (height, width) in [(2, 2), (3, 3), (5, 8), (4, 7), (1, 1), (7, 13)] {
                seed += 1
                var values = KernelTesting.Values(seed: seed)
                let inputStride = channels + 3, outputStride = channels + 5
                let (outHeight, outWidth) = ((height + 1) / 2, (width + 1) / 2)
                let input = values.array(height * width * inputStride)
                var expected = [Float](repeating: .nan, count: outHeight * outWidth * outputStride)
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        for c in 0..<channels {
                            var best = -Float.infinity
                            for sy in (2 * y)..<min(2 * y + 2, height) {
                                for sx in (2 * x)..<min(2 * x + 2, width) {
                                    best = max(best, input[(sy * width + sx) * inputStride + c])
                                }
                            }
                            expected[(y * outWidth + x) * outputStride + c] = best
                        }
                    }
                }
                KernelTesting.forEveryInstructionSet { instructionSet in
                    for chunk in [outWidth, 2] {
                        var output = [Float](repeating: .nan, count: expected.count)
                        input.withUnsafeBufferPointer { input in
                        output.withUnsafeMutableBufferPointer { output in
                            for y in 0..<outHeight {
                                let top = input.baseAddress! + 2 * y * width * inputStride
                                let bottom = 2 * y + 1 < height ? top + width * inputStride : top
                                for x0 in stride(from: 0, to: outWidth, by: chunk) {
                                    sid_max_pool2x2(top, bottom, Int32(inputStride), Int32(width), Int32(channels),
                                                    output.baseAddress! + y * outWidth * outputStride, Int32(outputStride),
                                                    Int32(x0), Int32(min(chunk, outWidth - x0)))
                                }
                            }
                        }
                        }
                        let label = "\(instructionSet) \(channels) channels \(height)x\(width) chunk \(chunk)"
                        // A maximum is one of its inputs: exact.
                        XCTAssertEqual(output.map(\.bitPattern), expected.map(\.bitPattern), label)
                    }
                }
            }
        }
    }
}
