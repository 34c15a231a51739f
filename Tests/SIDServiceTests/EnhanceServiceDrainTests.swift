import Foundation
import SIDService
import XCTest

/// A drain whose grace period runs out: every accepted request still gets an answer (503 with Retry-After),
/// and the shutdown reports that it was not clean.
final class EnhanceServiceDrainTests: XCTestCase {
    /// A decoder helper that decodes with the real `sid` until `marker` exists, then hangs: the warm-up passes,
    /// the requests after it keep their worker busy.
    private func hangingDecoder(marker: String) throws -> String {
        let sid = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("sid").path
        guard FileManager.default.isExecutableFile(atPath: sid) else {
            XCTFail("no sid executable at \(sid); `swift test` builds it")
            throw XCTSkip("no sid executable")
        }
        let script = SampleRaws.directory.appendingPathComponent("hanging-decoder-\(UUID().uuidString).sh").path
        try "#!/bin/sh\nif [ -e '\(marker)' ]; then exec sleep 30; fi\nexec '\(sid)' \"$@\"\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        return script
    }

    func testPastTheGracePeriodQueuedAndRunningJobsGet503AndTheShutdownIsUnclean() throws {
        let marker = SampleRaws.directory.appendingPathComponent("hang-\(UUID().uuidString)").path
        let decoder = try hangingDecoder(marker: marker)
        let harness = try ServiceHarness { configuration in
            configuration.decoder = .isolated
            configuration.decoderExecutable = decoder
            configuration.decoderTimeout = .seconds(20)
            configuration.queueCapacity = 2
        }
        FileManager.default.createFile(atPath: marker, contents: Data())
        defer { try? FileManager.default.removeItem(atPath: marker) }
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
