import SIDEngine
@testable import SIDService
import SIDTestSupport
import XCTest

final class ServiceMetricsTests: XCTestCase {
    private func exposition(_ metrics: ServiceMetrics) -> [String: Double] {
        ServiceHarness.parse(exposition: String(decoding: metrics.exposition(), as: UTF8.self))
    }

    func testEachServiceCountsInItsOwnRegistry() {
        let first = ServiceMetrics(), second = ServiceMetrics()
        first.recordRequest(route: "/healthz", status: 200, bytesIn: 80, bytesOut: 120, duration: .milliseconds(3))
        first.recordRequest(route: "/healthz", status: 200, bytesIn: 80, bytesOut: 120, duration: .milliseconds(3))
        let counted = exposition(first)
        XCTAssertEqual(counted["sid_http_requests_total{route=\"/healthz\",status=\"200\"}"], 2)
        XCTAssertEqual(counted["sid_http_request_bytes_total{route=\"/healthz\"}"], 160)
        XCTAssertEqual(counted["sid_http_response_bytes_total{route=\"/healthz\"}"], 240)
        XCTAssertEqual(counted["sid_http_request_duration_seconds_count{route=\"/healthz\"}"], 2)
        XCTAssertEqual(exposition(second)["sid_http_requests_total{route=\"/healthz\",status=\"200\"}"], 0,
                       "zeroed from the start, counted only in its own registry")
    }

    func testStagesGaugesAndJobs() {
        let metrics = ServiceMetrics()
        var timings = StageTimings()
        timings.forward = 12
        metrics.recordStages(queueWait: .milliseconds(30), timings: timings)
        metrics.setQueueDepth(3)
        metrics.setReady(true)
        metrics.countJob(outcome: "cancelled")
        let values = exposition(metrics)
        XCTAssertEqual(values["sid_stage_duration_seconds_count{stage=\"forward\"}"], 1)
        XCTAssertEqual(values["sid_stage_duration_seconds_bucket{stage=\"forward\",le=\"20.0\"}"], 1,
                       "buckets reach full-frame durations")
        XCTAssertEqual(values["sid_stage_duration_seconds_bucket{stage=\"forward\",le=\"10.0\"}"], 0)
        XCTAssertEqual(values["sid_stage_duration_seconds_count{stage=\"queue\"}"], 1)
        XCTAssertEqual(values["sid_queue_depth"], 3)
        XCTAssertEqual(values["sid_ready"], 1)
        XCTAssertEqual(values["sid_jobs_total{outcome=\"cancelled\"}"], 1)
    }
}
