@testable import SIDNetwork
import SIDSamples
import XCTest

final class KernelSelectionTests: XCTestCase {
    /// Every copy of the kernels this CPU can run matches PyTorch, so hosts without AVX-512 get the same results.
    func testEveryInstructionSetThisCPURunsMatchesPyTorch() throws {
        let chosen = KernelSelection.instructionSet
        defer { XCTAssertTrue(KernelSelection.use(chosen)) }
        XCTAssertTrue(["avx512", "avx2", "portable"].contains(chosen))
        let cases = try ParityFixtures.cases().filter { $0.weights == "synthetic" }
        var tried = 0
        for instructionSet in ["avx512", "avx2", "portable"] where KernelSelection.use(instructionSet) {
            XCTAssertEqual(KernelSelection.instructionSet, instructionSet)
            tried += 1
            for testCase in cases {
                let output = try ParityFixtures.run(SyntheticWeights.model(testCase.architecture), testCase, threads: 2)
                ParityFixtures.assertClose(output, try testCase.expected, "\(instructionSet) \(testCase.name)")
            }
        }
        XCTAssertGreaterThanOrEqual(tried, 1, "the portable copy runs everywhere")
    }

    func testUnknownInstructionSetIsRefused() {
        XCTAssertFalse(KernelSelection.use("sse9"))
    }
}
