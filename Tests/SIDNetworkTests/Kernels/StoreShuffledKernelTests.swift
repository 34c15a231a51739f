import CKernels
@testable import SIDNetwork
import XCTest

/// sid_store_shuffled, conv10's last step, against PyTorch's pixel_shuffle written out: out[c][s h + i][s w + j]
/// = in[(c s + i) s + j] + bias (for scale 2: in[4c + 2i + j]), then float, or clipped to [0, 1] and rounded half
/// away from zero to 8 or 16 bits (NaN gives 0). The store has one plain copy for every instruction set, so it is
/// checked once per set only to show the dispatch does not touch it.
final class StoreShuffledKernelTests: XCTestCase {
    private enum Kind: CaseIterable { case float, rgb8, rgb16 }

    /// Scale 2 (Sony, 12 channels) and 3 (Fuji, 27), pixels placed at an offset inside a larger output.
    func testPixelShuffleOrderClipAndRounding() {
        var seed: UInt64 = 30
        for scale in [2, 3] {
            for count in [1, 5] {
                seed += 1
                var values = KernelTesting.Values(seed: seed)
                let channels = 3 * scale * scale, stride = UNet.padded(channels)
                // Values past both ends of [0, 1] and exactly on its edges.
                var products = values.array(count * stride, scale: 1.5)
                products[0] = 0; products[1] = 1; products[2] = -0.25; products[3] = .nan
                let bias = values.array(channels, scale: 0.1)
                // The output is an image of 4 pixels x scale rows per input row around the stored pixels.
                let width = count + 3, firstPixel = 2, firstRow = 1
                let rowSamples = scale * width * 3
                let firstSample = firstRow * rowSamples + scale * firstPixel * 3
                let samples = (scale + 2) * rowSamples
                for kind in Kind.allCases {
                    var expected = [Float](repeating: .nan, count: samples)
                    for n in 0..<count {
                        for c in 0..<3 {
                            for i in 0..<scale {
                                for j in 0..<scale {
                                    let channel = (c * scale + i) * scale + j
                                    let value = products[n * stride + channel] + bias[channel]
                                    let at = firstSample + i * rowSamples + (n * scale + j) * 3 + c
                                    expected[at] = Self.quantised(value, kind)
                                }
                            }
                        }
                    }
                    KernelTesting.forEveryInstructionSet { instructionSet in
                        let found = Self.store(products, count: count, stride: stride, bias: bias, scale: scale,
                                               kind: kind, samples: samples, rowSamples: rowSamples,
                                               firstSample: firstSample)
                        let label = "\(instructionSet) scale \(scale) count \(count) \(kind)"
                        XCTAssertEqual(found.map(\.bitPattern), expected.map(\.bitPattern), label)
                    }
                }
            }
        }
    }

    /// Rounding exactly at halves goes away from zero, as roundf does: 0.5 * 255 = 127.5 -> 128, 0.5 * 65535 -> 32768;
    /// elsewhere to the nearest value.
    func testHalvesRoundUp() {
        let bias = [Float](repeating: 0, count: 12)
        var products = [Float](repeating: 0, count: 16)
        products[0] = 0.5             // colour 0, sub-pixel (0, 0)
        products[4] = 0.25            // colour 1, (0, 0): 63.75 -> 64
        products[8] = 0.75            // colour 2, (0, 0): 191.25 -> 191, 49151.25 -> 49151
        let eight = Self.store(products, count: 1, stride: 16, bias: bias, scale: 2, kind: .rgb8, samples: 12,
                               rowSamples: 6, firstSample: 0)
        XCTAssertEqual(Array(eight[0..<3]), [128, 64, 191])
        let sixteen = Self.store(products, count: 1, stride: 16, bias: bias, scale: 2, kind: .rgb16, samples: 12,
                                 rowSamples: 6, firstSample: 0)
        XCTAssertEqual(sixteen[0], 32768)
        XCTAssertEqual(sixteen[2], 49151)
    }

    private static func quantised(_ value: Float, _ kind: Kind) -> Float {
        let clipped = value.isNaN ? 0 : min(max(value, 0), 1)
        switch kind {
        case .float: return value
        case .rgb8: return (clipped * 255).rounded(.toNearestOrAwayFromZero)
        case .rgb16: return (clipped * 65535).rounded(.toNearestOrAwayFromZero)
        }
    }

    /// Runs the kernel into an output of `samples` samples of the kind; returns them as floats, NaN where unwritten
    /// (the integer outputs are filled twice, with two different values, before two runs: a sample is written
    /// when both runs leave the same value in it).
    private static func store(_ products: [Float], count: Int, stride: Int, bias: [Float], scale: Int, kind: Kind,
                              samples: Int, rowSamples: Int, firstSample: Int) -> [Float] {
        func run<Sample: FixedWidthInteger>(_ kind: sid_output_kind, fill: Sample) -> [Sample] {
            var output = [Sample](repeating: fill, count: samples)
            sid_store_shuffled(products, Int32(count), Int32(stride), bias, Int32(scale), kind, &output,
                               rowSamples, firstSample)
            return output
        }
        func written<Sample: FixedWidthInteger>(_ first: [Sample], _ second: [Sample]) -> [Float] {
            zip(first, second).map { $0 == $1 ? Float($0) : .nan }
        }
        switch kind {
        case .float:
            var output = [Float](repeating: .nan, count: samples)
            sid_store_shuffled(products, Int32(count), Int32(stride), bias, Int32(scale), SID_OUTPUT_FLOAT, &output,
                               rowSamples, firstSample)
            return output
        case .rgb8:
            return written(run(SID_OUTPUT_RGB8, fill: UInt8(0xAB)), run(SID_OUTPUT_RGB8, fill: UInt8(0x54)))
        case .rgb16:
            return written(run(SID_OUTPUT_RGB16, fill: UInt16(0xABCD)), run(SID_OUTPUT_RGB16, fill: UInt16(0x5432)))
        }
    }
}
