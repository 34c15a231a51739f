import Foundation
import SIDSamples
import SIDTestSupport
import XCTest

/// A client that leaves while its job runs: the forward pass stops at its next rows and the job counts as
/// cancelled, so the worker is free for the next client instead of computing an answer nobody reads.
final class CancellationTests: XCTestCase {
    func testAClientThatLeavesMidForwardPassStopsItsJob() throws {
        // Half a full frame through the full-width network: seconds of forward pass on one thread.
        let frame = SampleRaws.write("frame-\(UUID().uuidString)", try SyntheticScene(seed: 5, width: 2848, height: 2128).makeDNG())
        defer { try? FileManager.default.removeItem(atPath: frame) }
        let started = Date()
        let harness = try ServiceHarness(networkWidth: 32)
        print("set-up \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        let body = SampleRaws.data(frame)
        let socket = try TestSocket(port: harness.port)
        try socket.send("POST /v1/enhance?ratio=100 HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(body.count)\r\n\r\n")
        try socket.send(body)
        XCTAssertTrue(ServiceHarness.eventually(timeout: 30) {
            harness.metric("sid_workers_busy") == 1 && harness.metric("sid_queue_depth") == 0
        })
        // Past the decode and into the forward pass (the decode of this frame takes a fraction of a second).
        Thread.sleep(forTimeInterval: 1)
        socket.close()
        let left = Date()
        XCTAssertTrue(ServiceHarness.eventually(timeout: 120) { harness.metric("sid_workers_busy") == 0 })
        print("worker free \(String(format: "%.2f", Date().timeIntervalSince(left))) s after its client left")
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"cancelled\"}"), 1)
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"completed\"}"), 0)
        XCTAssertEqual(harness.metric("sid_stage_duration_seconds_count{stage=\"forward\"}"), 0, "no forward pass recorded")

        // The worker serves the next client as usual.
        let next = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(harness.baseURL)/v1/enhance?ratio=100"])
        XCTAssertEqual(next.status, 200, next.bodyText)
        XCTAssertEqual(harness.metric("sid_jobs_total{outcome=\"completed\"}"), 1)
    }
}
