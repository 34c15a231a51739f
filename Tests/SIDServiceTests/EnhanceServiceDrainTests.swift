import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// A drain whose grace period runs out: every accepted request still gets an answer (503 with Retry-After),
/// and the shutdown reports that it was not clean.
final class EnhanceServiceDrainTests: XCTestCase {
    func testPastTheGracePeriodQueuedAndRunningJobsGet503AndTheShutdownIsUnclean() throws {
        let decoder = try HangingDecoder()
        let harness = try ServiceHarness { configuration in
            configuration.decoder = .isolated
            configuration.decoderExecutable = decoder.executable
            configuration.decoderTimeout = .seconds(20)
            configuration.queueCapacity = 2
        }
        decoder.hang()
        let url = "\(harness.baseURL)/v1/enhance?ratio=100"
        let running = onNewThread { try? Curl.run(["--data-binary", "@\(SampleRaws.small)", url]) }
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_workers_busy") == 1 })
        let queued = onNewThread { try? Curl.run(["--data-binary", "@\(SampleRaws.small)", url]) }
        XCTAssertTrue(ServiceHarness.eventually { harness.metric("sid_queue_depth") == 1 })

        XCTAssertFalse(harness.service.shutdown(grace: .seconds(1)), "work was cut off: not clean")
        for (name, result) in [("running", running()), ("queued", queued())] {
            let result = try XCTUnwrap(result, name)
            XCTAssertEqual(result.status, 503, "\(name): curl \(result.exitCode) \(result.stderr) \(result.bodyText)")
            XCTAssertEqual(result.header("Retry-After"), "10", name)
            XCTAssertEqual(result.header("Content-Type"), "application/problem+json", name)
            XCTAssertTrue(result.bodyText.contains("shutting down"), "\(name): \(result.bodyText)")
        }
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"abandoned\"}"), 2)
        XCTAssertTrue(harness.log.lines.contains { $0.message == "stopped" && $0.metadata["clean"] == "false" })
    }
}
