import SIDModel
@testable import SIDNetwork
import SIDSamples
import XCTest
import Foundation

final class UNetRunnerTests: XCTestCase {
    /// Full-width (32) networks and the Fuji variant against PyTorch fp32, weights regenerated
    /// bit for bit from the synthetic formula.
    func testSyntheticWeightCasesMatchPyTorch() throws {
        let cases = try ParityFixtures.cases().filter { $0.weights == "synthetic" }
        XCTAssertEqual(cases.count, 3)
        for testCase in cases {
            let model = SyntheticWeights.model(testCase.architecture)
            let output = try ParityFixtures.run(model, testCase)
            ParityFixtures.assertClose(output, try testCase.expected, testCase.name)
        }
    }

    /// The bar for the full architecture: 16-bit PSNR >= 60 dB, no 8-bit sample off by more than 1,
    /// with the standard Winograd plan (F(6x6) on the layers it was measured to suit) on every kernel copy.
    func testQuantisedFullWidthOutputMatchesPyTorch() throws {
        let testCase = try XCTUnwrap(ParityFixtures.cases().first { $0.name == "sony_w32_synthetic_48x64" })
        for (label, plan) in [("standard", WinogradPlan.standard), ("F(4x4) only", .f4x4)] {
            let model = SyntheticWeights.model(testCase.architecture, winograd: plan)
            try KernelTesting.forEveryInstructionSet { instructionSet in
                let (psnr, worst8, unclipped) = try quantisedAccuracy(model, testCase)
                print("\(instructionSet) \(label): PSNR \(psnr) dB, worst 8-bit difference \(worst8)")
                XCTAssertGreaterThan(unclipped, testCase.outputCount / 2, "most of the reference lies inside [0, 1]")
                XCTAssertGreaterThanOrEqual(psnr, 60, "\(instructionSet) \(label)")
                XCTAssertLessThanOrEqual(worst8, 1, "\(instructionSet) \(label)")
            }
        }
    }

    /// 16-bit PSNR, the worst 8-bit difference and how many reference samples lie inside (0, 1).
    private func quantisedAccuracy(_ model: UNet, _ testCase: ParityCase) throws -> (Double, Int, Int) {
        let runner = UNetRunner(model: model)
        let input = try testCase.input
        let expected = try testCase.expected
        var rgb16 = [UInt16](repeating: 0, count: testCase.outputCount)
        var rgb8 = [UInt8](repeating: 0, count: testCase.outputCount)
        try input.withUnsafeBufferPointer { x in
            try rgb16.withUnsafeMutableBufferPointer {
                try runner.run(input: x, height: testCase.height, width: testCase.width_px, output: .rgb16($0.baseAddress!))
            }
            try rgb8.withUnsafeMutableBufferPointer {
                try runner.run(input: x, height: testCase.height, width: testCase.width_px, output: .rgb8($0.baseAddress!))
            }
        }
        var squared = 0.0
        var worst8 = 0
        var unclipped = 0
        for (i, reference) in expected.enumerated() {
            let clipped = min(max(reference, 0), 1)
            if reference > 0 && reference < 1 { unclipped += 1 }
            let d16 = Double(rgb16[i]) / 65535 - Double(clipped)
            squared += d16 * d16
            worst8 = max(worst8, abs(Int(rgb8[i]) - Int((clipped * 255).rounded())))
        }
        return (10 * log10(1 / max(squared / Double(expected.count), 1e-30)), worst8, unclipped)
    }

    /// The synthetic-weight PyTorch cases with F(6x6) on every Winograd layer: the kernel is right at the
    /// network's scale (units of 6 rows beside units of 4 everywhere), whatever the standard plan picks.
    func testF6x6EverywhereMatchesPyTorch() throws {
        for testCase in try ParityFixtures.cases().filter({ $0.weights == "synthetic" }) {
            let model = SyntheticWeights.model(testCase.architecture, winograd: .f6x6)
            try KernelTesting.forEveryInstructionSet { instructionSet in
                let output = try ParityFixtures.run(model, testCase, threads: 2)
                // A looser bound than F(4x4)'s 1e-4 of the range: F(6x6) rounds about ten times more.
                ParityFixtures.assertClose(output, try testCase.expected, "\(instructionSet) \(testCase.name)", tolerance: 1e-3)
            }
        }
    }

    /// The ragged image of the banding tests: 301 x 517 packed pixels, several bands at a 400-column limit.
    private static let height = 301, width = 517

    /// Four planes of values in [0, 1), as a packed raw holds, from a 64-bit LCG so a failure reproduces.
    private static func packedInput(seed: UInt64) -> [Float] {
        var state = seed
        return (0..<4 * height * width).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24)
        }
    }

    /// The float output of `model` on `input`, in bands of at most `maxBandWidth` columns.
    private static func run(_ model: UNet, on input: [Float], maxBandWidth: Int, threads: Int) throws -> [Float] {
        let runner = UNetRunner(model: model, threads: threads, maxBandWidth: maxBandWidth)
        var output = [Float](repeating: .nan, count: 12 * height * width)
        try input.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer {
                try runner.run(input: x, height: height, width: width, output: .float($0.baseAddress!))
            }
        }
        return output
    }

    /// Column bands with margins give the whole-image result; the image is ragged (not a multiple of 16)
    /// and cut into several bands, threads split the work.
    func testTiledInferenceEqualsWholeImageInference() throws {
        let architecture = SIDArchitecture(model: .sony, width: 4)
        let model = SyntheticWeights.model(architecture)
        let input = Self.packedInput(seed: 7)
        func run(maxBandWidth: Int, threads: Int) throws -> [Float] {
            try Self.run(model, on: input, maxBandWidth: maxBandWidth, threads: threads)
        }
        XCTAssertEqual(BandPlan(width: Self.width, maxWidth: 400).bands.count, 3)
        let whole = try run(maxBandWidth: 1024, threads: 1)
        let tiled = try run(maxBandWidth: 400, threads: 2)
        ParityFixtures.assertClose(tiled, whole, "tiled vs whole")
    }

    /// The same with F(6x6) on every other layer: units of 6 rows and of 4 in one walk (301 rows is a
    /// multiple of neither, nor are the deeper levels' heights), the rings sized for that mix.
    func testMixedTileHeightsGiveWholeImageInference() throws {
        let architecture = SIDArchitecture(model: .sony, width: 4)
        let layers = WinogradPlan.winogradLayers.enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        let mixed = SyntheticWeights.model(architecture, winograd: WinogradPlan(f6x6Layers: Set(layers)))
        let reference = SyntheticWeights.model(architecture, winograd: .f4x4)
        let input = Self.packedInput(seed: 11)
        func run(_ model: UNet, maxBandWidth: Int, threads: Int) throws -> [Float] {
            try Self.run(model, on: input, maxBandWidth: maxBandWidth, threads: threads)
        }
        let whole = try run(mixed, maxBandWidth: 1024, threads: 1)
        ParityFixtures.assertClose(try run(mixed, maxBandWidth: 400, threads: 2), whole, "mixed: tiled vs whole")
        // Not the same arithmetic as F(4x4) everywhere, but the same network: a mistake in the walk (a row
        // read before it was made or after it was overwritten) is off by the size of the values.
        ParityFixtures.assertClose(whole, try run(reference, maxBandWidth: 1024, threads: 2), "mixed vs F(4x4)",
                                   tolerance: 1e-3)
    }

    /// An output pixel does not depend on input further than the receptive radius, so the tile margin is enough.
    /// (Winograd blocks mix a 6x6 input patch into every output of its 4x4 block, with contributions that
    /// cancel exactly only in exact arithmetic: beyond the radius, only rounding may change.)
    func testOutputDoesNotSeeBeyondTheReceptiveRadius() throws {
        let architecture = SIDArchitecture(model: .sony, width: 4)
        let runner = UNetRunner(model: SyntheticWeights.model(architecture))
        let height = 16, width = 400
        for x0 in [100, 117, 130] {
            var input = [Float](repeating: 0.25, count: 4 * height * width)
            func output() throws -> [Float] {
                var out = [Float](repeating: 0, count: 12 * height * width)
                try input.withUnsafeBufferPointer { x in
                    try out.withUnsafeMutableBufferPointer {
                        try runner.run(input: x, height: height, width: width, output: .float($0.baseAddress!))
                    }
                }
                return out
            }
            func pixel(_ out: [Float]) -> [Float] {
                (0..<2).flatMap { i in (0..<2).flatMap { j in (0..<3).map { c in out[((2 * 8 + i) * 2 * width + 2 * x0 + j) * 3 + c] } } }
            }
            let before = pixel(try output())
            let far = x0 + SIDArchitecture.receptiveRadius + 1
            for c in 0..<4 { for y in 0..<height { input[(c * height + y) * width + far] = 1 } }
            let afterFar = pixel(try output())
            XCTAssertLessThanOrEqual(zip(afterFar, before).map { abs($0 - $1) }.max()!, 1e-6,
                                     "input at distance \(far - x0) changed the output at \(x0)")
            let near = x0 + 60
            for c in 0..<4 { for y in 0..<height { input[(c * height + y) * width + near] = 1 } }
            XCTAssertGreaterThan(zip(pixel(try output()), before).map { abs($0 - $1) }.max()!, 1e-4,
                                 "input at distance 60 must matter")
        }
    }

    func testBuffersAreAllocatedOnceAndReused() throws {
        let architecture = SIDArchitecture(model: .sony, width: 4)
        let runner = UNetRunner(model: SyntheticWeights.model(architecture), maxBandWidth: 256)
        let input = [Float](repeating: 0.5, count: 4 * 250 * 270)
        var output = [Float](repeating: 0, count: 12 * 250 * 270)
        var sizes: [Int] = []
        for _ in 0..<3 {
            try input.withUnsafeBufferPointer { x in
                try output.withUnsafeMutableBufferPointer {
                    try runner.run(input: x, height: 250, width: 270, output: .float($0.baseAddress!))
                }
            }
            sizes.append(runner.allocatedBytes)
        }
        XCTAssertEqual(Set(sizes).count, 1)
        let first = output
        try input.withUnsafeBufferPointer { x in
            try output.withUnsafeMutableBufferPointer {
                try runner.run(input: x, height: 250, width: 270, output: .float($0.baseAddress!))
            }
        }
        XCTAssertEqual(output, first, "reused buffers leave nothing behind between calls")
    }

    /// Rows are streamed: a twice-as-tall image needs no more buffer memory.
    func testMemoryGrowsWithWidthNotHeight() throws {
        let model = SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4))
        func bytes(height: Int, width: Int) throws -> Int {
            let runner = UNetRunner(model: model, maxBandWidth: 4096)
            let input = [Float](repeating: 0.3, count: 4 * height * width)
            var output = [UInt8](repeating: 0, count: 12 * height * width)
            try input.withUnsafeBufferPointer { x in
                try output.withUnsafeMutableBufferPointer {
                    try runner.run(input: x, height: height, width: width, output: .rgb8($0.baseAddress!))
                }
            }
            return runner.ringBytes
        }
        let short = try bytes(height: 640, width: 96)
        let tall = try bytes(height: 1280, width: 96)
        XCTAssertGreaterThan(short, 0)
        XCTAssertEqual(tall, short)
        // The network's width-4 level-1 tensors alone would be 4 channels x 5 tensors of a full plane.
        XCTAssertLessThan(tall, 20 * 1280 * 96 * 4 / 2)
    }

    func testWrongInputSizeIsAnError() {
        let runner = UNetRunner(model: SyntheticWeights.model(SIDArchitecture(model: .sony, width: 4)))
        var out = [Float](repeating: 0, count: 48)
        XCTAssertThrowsError(try [Float](repeating: 0, count: 5).withUnsafeBufferPointer { x in
            try out.withUnsafeMutableBufferPointer { try runner.run(input: x, height: 2, width: 2, output: .float($0.baseAddress!)) }
        })
    }
}
