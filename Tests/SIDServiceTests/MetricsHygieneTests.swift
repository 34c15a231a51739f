import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// /metrics as Prometheus and its alerts need it from the first scrape: HELP text, every labelled series at 0,
/// build info and process figures.
final class MetricsHygieneTests: XCTestCase {
    func testAFreshServiceExposesEverySeriesWithHelpText() throws {
        let harness = try ServiceHarness()
        let scrape = try Curl.run(["\(harness.adminURL)/metrics"])
        XCTAssertEqual(scrape.status, 200)
        let text = scrape.bodyText
        let typed = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        XCTAssertGreaterThan(typed.count, 10)
        for family in typed {
            XCTAssertTrue(text.contains("# HELP \(family) "), "no HELP for \(family)")
        }
        let values = ServiceHarness.parse(exposition: text)
        for outcome in ["completed", "failed", "cancelled", "expired", "abandoned"] {
            XCTAssertEqual(values["sid_jobs_total{outcome=\"\(outcome)\"}"], 0, outcome)
        }
        for kind in ["crash", "timeout", "memory", "malfunction"] {
            XCTAssertEqual(values["sid_decoder_failures_total{kind=\"\(kind)\"}"], 0, kind)
        }
        for status in [422, 500, 503] {
            XCTAssertEqual(values["sid_http_requests_total{route=\"/v1/enhance\",status=\"\(status)\"}"], 0)
        }
        XCTAssertEqual(values["sid_stage_duration_seconds_count{stage=\"forward\"}"], 0)
        XCTAssertEqual(values.first { $0.key.hasPrefix("sid_build_info{version=") }?.value, 1)
        XCTAssertGreaterThan(values["process_resident_memory_bytes"] ?? 0, 10_000_000)
        XCTAssertGreaterThan(values["process_open_fds"] ?? 0, 3)
        XCTAssertGreaterThan(values["process_cpu_seconds_total"] ?? 0, 0)
        let start = try XCTUnwrap(values["process_start_time_seconds"])
        XCTAssertEqual(start, Date().timeIntervalSince1970, accuracy: 3600)
    }
}
