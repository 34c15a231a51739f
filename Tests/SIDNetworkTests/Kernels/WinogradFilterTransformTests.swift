import CKernels
@testable import SIDNetwork
import XCTest

/// The filter transforms done once at load, against plain loops: Winograd F(4x4, 3x3)'s U = G g G^T into
/// [36][output panels of 32][input channels rounded up to 16][32], and the direct conv's tap-major layout. The
/// Winograd transform is also cut by input channel, as loading spreads it over threads, and must give the same
/// bits, on every set, as one whole call.
final class WinogradFilterTransformTests: XCTestCase {
    /// G of F(4x4, 3x3) (Lavin & Gray, 2016), written out again here rather than taken from the kernels.
    private static let g: [[Double]] = [
        [1.0 / 4, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6],
        [1.0 / 24, -1.0 / 12, 1.0 / 6],
        [0, 0, 1],
    ]

    func testWinogradFiltersAreGgGTInPanels() {
        assertFiltersAreGgGT(g: Self.g, name: "winograd", seed: 40, shapes: [(4, 32), (9, 8), (16, 48), (20, 33), (64, 64)],
                             floats: sid_winograd_f4x4_3x3_filter_floats, transform: sid_winograd_f4x4_3x3_filters)
    }

    func testDirectFiltersAreTapMajor() {
        var values = KernelTesting.Values(seed: 50)
        for (cin, cout) in [(4, 32), (9, 48), (4, 8)] {
            let weights = values.array(cout * cin * 9)
            let padded = UNet.padded(cout)
            var expected = [Float](repeating: 0, count: 9 * cin * padded)
            for o in 0..<cout {
                for c in 0..<cin {
                    for tap in 0..<9 { expected[(tap * cin + c) * padded + o] = weights[(o * cin + c) * 9 + tap] }
                }
            }
            KernelTesting.forEveryInstructionSet { instructionSet in
                var filters = [Float](repeating: 0, count: Int(sid_direct_conv3x3_filter_floats(Int32(cin), Int32(cout))))
                sid_direct_conv3x3_filters(weights, Int32(cin), Int32(cout), &filters)
                XCTAssertEqual(filters, expected, "\(instructionSet) direct filters \(cin) -> \(cout)")
            }
        }
    }

    /// G of F(6x6, 3x3) at 0, 1, -1, 2, -2, 1/2, -1/2 and infinity (Lavin & Gray, 2016), written out again here:
    /// row k is (1, a, a^2) over Lagrange's denominator prod_{j != k} (a - a_j) at finite point a, the first
    /// row's sign flipped (B^T's first row takes it back), and (0, 0, 1) at infinity.
    private static let g6: [[Double]] = [
        [1, 0, 0],
        [-2.0 / 9, -2.0 / 9, -2.0 / 9],
        [-2.0 / 9, 2.0 / 9, -2.0 / 9],
        [1.0 / 90, 1.0 / 45, 2.0 / 45],
        [1.0 / 90, -1.0 / 45, 2.0 / 45],
        [32.0 / 45, 16.0 / 45, 8.0 / 45],
        [32.0 / 45, -16.0 / 45, 8.0 / 45],
        [0, 0, 1],
    ]

    /// F(6x6)'s U = G g G^T in [64][output panels of 32][input channels rounded up to 16][32], cut by input
    /// channel or not, bit for bit the same on every set.
    func testWinogradF6x6FiltersAreGgGTInPanels() {
        assertFiltersAreGgGT(g: Self.g6, name: "F(6x6)", seed: 60, shapes: [(9, 8), (16, 48), (20, 33), (64, 64)],
                             floats: sid_winograd_f6x6_3x3_filter_floats, transform: sid_winograd_f6x6_3x3_filters)
    }

    /// U = G g G^T for each (cin, cout), in [points][output panels of 32][input channels rounded up to 16][32] with
    /// points = rows(G)^2, against plain loops; the padding stays zero, a transform cut by input channel gives the
    /// same bits as one whole call, and every set gives the first set's bits.
    private func assertFiltersAreGgGT(
        g: [[Double]], name: String, seed first: UInt64, shapes: [(Int, Int)],
        floats: (Int32, Int32) -> Int,
        transform: (UnsafePointer<Float>?, Int32, Int32, Int32, Int32, UnsafeMutablePointer<Float>?) -> Void
    ) {
        let n = g.count
        var seed = first
        for (cin, cout) in shapes {
            seed += 1
            var values = KernelTesting.Values(seed: seed)
            let weights = values.array(cout * cin * 9)
            let cinPadded = UNet.padded(cin), coutPadded = (cout + 31) / 32 * 32
            let count = floats(Int32(cin), Int32(cout))
            XCTAssertEqual(count, n * n * cinPadded * coutPadded)
            var expected = [Float](repeating: 0, count: count)
            for o in 0..<cout {
                for c in 0..<cin {
                    let f = (0..<9).map { Double(weights[(o * cin + c) * 9 + $0]) }
                    for i in 0..<n {
                        for j in 0..<n {
                            var sum = 0.0
                            for a in 0..<3 {
                                for b in 0..<3 { sum += g[i][a] * f[a * 3 + b] * g[j][b] }
                            }
                            expected[(i * n + j) * cinPadded * coutPadded + ((o / 32) * cinPadded + c) * 32 + o % 32] = Float(sum)
                        }
                    }
                }
            }
            var reference: [Float]?
            KernelTesting.forEveryInstructionSet { instructionSet in
                var whole = [Float](repeating: 0, count: count)
                transform(weights, Int32(cin), Int32(cout), 0, Int32(cin), &whole)
                let label = "\(instructionSet) \(name) filters \(cin) -> \(cout)"
                KernelTesting.assertClose(whole, expected, tolerance: 1e-6, label)
                // The padding (input channels past cin, output channels past cout) stays zero.
                XCTAssertEqual(zip(whole, expected).filter { $1 == 0 && $0 != 0 }.count, 0, "\(label): padding")
                var pieces = [Float](repeating: 0, count: count)
                for (first, end) in [(0, cin / 3), (cin / 3, cin / 2), (cin / 2, cin)] where first < end {
                    transform(weights, Int32(cin), Int32(cout), Int32(first), Int32(end), &pieces)
                }
                XCTAssertEqual(pieces.map(\.bitPattern), whole.map(\.bitPattern), "\(label): cut by input channel")
                if let reference {
                    XCTAssertEqual(whole.map(\.bitPattern), reference.map(\.bitPattern), "\(label): same bits as the first set")
                }
                reference = reference ?? whole
            }
        }
    }
}
