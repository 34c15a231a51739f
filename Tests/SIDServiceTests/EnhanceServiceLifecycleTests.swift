import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// Readiness over the service's life: starting, ready, draining.
final class EnhanceServiceLifecycleTests: XCTestCase {
    func testReadinessIs503UntilTheModelIsLoadedAndWarm() throws {
        let harness = try ServiceHarness(load: false)
        let url = harness.baseURL
        XCTAssertEqual(try Curl.run(["\(url)/healthz"]).status, 200, "alive while loading")
        let notReady = try Curl.run(["\(url)/readyz"])
        XCTAssertEqual(notReady.status, 503)
        XCTAssertEqual(notReady.header("Retry-After"), "5")
        XCTAssertTrue(notReady.bodyText.contains("still loading"), notReady.bodyText)
        let early = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(url)/v1/enhance?ratio=100"])
        XCTAssertEqual(early.status, 503)
        XCTAssertEqual(try Curl.run(["\(url)/v1/models"]).status, 503)
        XCTAssertEqual(try harness.scrapeMetrics()["sid_ready"], 0)
        XCTAssertFalse(harness.service.isReady)

        try harness.load()
        XCTAssertTrue(harness.service.isReady)
        XCTAssertEqual(try Curl.run(["\(url)/readyz"]).status, 200)
        XCTAssertEqual(try harness.scrapeMetrics()["sid_ready"], 1)
        XCTAssertEqual(try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(url)/v1/enhance?ratio=100"]).status, 200)
    }

    func testReadinessIs503WhileDrainingAndNewConnectionsAreRefused() throws {
        let harness = try ServiceHarness()
        // A connection already open when draining begins, its request half sent.
        let open = try TestSocket(port: harness.port)
        try open.send("GET /readyz HTTP/1.1\r\nHost: x\r\n")
        XCTAssertTrue(ServiceHarness.eventually { harness.service.inFlightRequests == 1 }, "accepted and started")
        harness.service.beginDraining()
        XCTAssertTrue(harness.service.isDraining)
        try open.send("\r\n")
        let response = try open.readResponse()
        XCTAssertEqual(response.status, 503)
        XCTAssertEqual(response.headers["retry-after"], "10")
        XCTAssertEqual(response.headers["connection"], "close")
        XCTAssertTrue(response.bodyText.contains("shutting down"), response.bodyText)
        XCTAssertThrowsError(try TestSocket(port: harness.port), "the listener is closed")
        XCTAssertEqual(harness.metric("sid_ready"), 0)
    }
}
