import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// Memory after a big job: the worker drops the buffers sized for it and free heap pages go back to the
/// kernel once the pool is idle, so idle RSS does not stay at the big job's peak.
final class IdleMemoryTests: XCTestCase {
    private func residentMegabytes() -> Int {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        return ((Int(statm.split(separator: " ").dropFirst().first ?? "") ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
    }

    func testAnOutsizedJobsBuffersAreReleasedAndFreeMemoryReturnedWhenIdle() throws {
        // Outsized here: more than a quarter of 4 MP; SampleRaws.large is 1.5 MP, SampleRaws.small 0.05 MP.
        let harness = try ServiceHarness(networkWidth: 32) { $0.maxMegapixels = 4 }
        let url = "\(harness.baseURL)/v1/enhance?ratio=100"
        XCTAssertEqual(try Curl.run(["--data-binary", "@\(SampleRaws.small)", url]).status, 200)
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_workers_busy") == 0 })
        let idleBefore = residentMegabytes()
        XCTAssertFalse(harness.log.lines.contains { $0.message == "released the buffers of an outsized job" },
                       "a small job keeps the worker's buffers")

        let big = try Curl.run(["--data-binary", "@\(SampleRaws.large)", url])
        XCTAssertEqual(big.status, 200, big.bodyText)
        XCTAssertTrue(ServiceHarness.eventually {
            harness.log.lines.filter { $0.message == "returned free memory" }.count >= 2
        })
        let idleAfter = residentMegabytes()
        print("test process RSS idle before the 1.5 MP job \(idleBefore) MB, idle after it \(idleAfter) MB")
        XCTAssertTrue(harness.log.lines.contains { $0.message == "released the buffers of an outsized job" })
        XCTAssertEqual(try Curl.run(["--data-binary", "@\(SampleRaws.small)", url]).status, 200, "the fresh engine serves")
    }
}
