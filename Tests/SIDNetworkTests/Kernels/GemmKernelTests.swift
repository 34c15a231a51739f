import CKernels
@testable import SIDNetwork
import XCTest

/// sid_gemm, the GEMM micro-kernel of each set (gemm_12x32 AVX-512, gemm_3x32 AVX2, gemm_1x32 portable), against
/// a plain triple loop in doubles: row counts around and between the register tiles (the short rest that joins
/// the last full block, 133 = 10 x 12 + 13), a last panel of 16 columns, leading dimensions wider than the matrix.
final class GemmKernelTests: XCTestCase {
    func testGemmMatchesPlainLoops() {
        var seed: UInt64 = 1
        for m in [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 17, 18, 24, 25, 31, 133] {
            for n in [16, 32, 48, 80] {
                for k in [1, 4, 16, 37] {
                    seed += 1
                    var values = KernelTesting.Values(seed: seed)
                    // Leading dimensions larger than the matrices, to catch a stride taken for a width.
                    let lda = k + 3, ldb = n + 16, ldc = n + 16
                    let a = values.array(m * lda), b = values.array(k * ldb)
                    var expected = [Float](repeating: .nan, count: m * ldc)
                    for i in 0..<m {
                        for j in 0..<n {
                            var sum = 0.0
                            for p in 0..<k { sum += Double(a[i * lda + p]) * Double(b[p * ldb + j]) }
                            expected[i * ldc + j] = Float(sum)
                        }
                    }
                    KernelTesting.forEveryInstructionSet { instructionSet in
                        var c = [Float](repeating: .nan, count: m * ldc)
                        sid_gemm(Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), &c, Int32(ldc))
                        let label = "\(instructionSet) gemm m \(m) n \(n) k \(k)"
                        KernelTesting.assertClose(c, expected, tolerance: 1e-5, label)
                        // Columns past n belong to someone else: they must stay untouched.
                        for i in 0..<m {
                            XCTAssertTrue(c[(i * ldc + n)..<(i * ldc + ldc)].allSatisfy { $0.isNaN }, "\(label): row \(i) padding")
                        }
                    }
                }
            }
        }
    }
}
