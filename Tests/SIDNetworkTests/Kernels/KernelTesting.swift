@testable import SIDNetwork
import XCTest

/// What every kernel test shares: a reproducible source of values and a loop over the kernel sets.
///
/// Each kernel of CKernels has its own test case (as XNNPACK's micro-kernels do) that checks it against plain
/// loops written in the test, on every compiled copy (`avx512`, `avx2`, `portable`) this CPU runs.
enum KernelTesting {
    /// Every instruction set whose kernel set this CPU runs; the process's choice is put back afterwards.
    static func forEveryInstructionSet(file: StaticString = #filePath, line: UInt = #line,
                                       _ body: (String) throws -> Void) rethrows {
        let chosen = KernelSelection.instructionSet
        defer { XCTAssertTrue(KernelSelection.use(chosen), file: file, line: line) }
        var tried = 0
        for instructionSet in ["avx512", "avx2", "portable"] where KernelSelection.use(instructionSet) {
            tried += 1
            try body(instructionSet)
        }
        XCTAssertGreaterThanOrEqual(tried, 1, "the portable set runs everywhere", file: file, line: line)
    }

    /// Values in [-1, 1) from a seed (a 64-bit LCG), the same on every run and host.
    struct Values {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(Int(state >> 40) - (1 << 23)) / Float(1 << 23)
        }

        mutating func array(_ count: Int, scale: Float = 1) -> [Float] {
            (0..<count).map { _ in next() * scale }
        }
    }

    /// The largest difference relative to max(1, |expected|), and a failure if it reaches `tolerance` or a
    /// value the kernel should have written is still NaN.
    static func assertClose(_ found: [Float], _ expected: [Float], tolerance: Float, _ label: String,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(found.count, expected.count, label, file: file, line: line)
        var worst: Float = 0
        for (a, b) in zip(found, expected) where !b.isNaN {
            worst = max(worst, a.isNaN ? .infinity : abs(a - b) / max(1, abs(b)))
        }
        XCTAssertLessThan(worst, tolerance, label, file: file, line: line)
    }
}
