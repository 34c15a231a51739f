import Foundation
import SIDService
import SIDTestSupport
import XCTest

/// The admin listener: probes and metrics on a port of their own, so that clients holding every connection of
/// the main port (slowloris) cannot make liveness fail and get pods restarted.
final class AdminListenerTests: XCTestCase {
    func testProbesOnTheAdminPortStay200WhileTricklingClientsHoldEveryMainConnection() throws {
        let harness = try ServiceHarness { configuration in
            configuration.maxConnections = 4
            configuration.headerTimeout = .seconds(30)
        }
        XCTAssertNotNil(harness.service.adminPort)
        XCTAssertNotEqual(harness.service.adminPort, harness.port)
        // Four clients that send a head one line at a time and never finish it.
        var tricklers: [TestSocket] = []
        for _ in 0 ..< 4 {
            let socket = try TestSocket(port: harness.port)
            try socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n")
            tricklers.append(socket)
        }
        XCTAssertTrue(ServiceHarness.eventually { harness.service.inFlightRequests == 4 })
        let starved = try Curl.run(["\(harness.baseURL)/healthz"])
        XCTAssertEqual(starved.status, 503, "the main port is full: \(starved.bodyText)")

        for _ in 0 ..< 15 {
            XCTAssertEqual(try Curl.run(["\(harness.adminURL)/healthz"]).status, 200)
            XCTAssertEqual(try Curl.run(["\(harness.adminURL)/readyz"]).status, 200)
        }
        let metrics = try Curl.run(["\(harness.adminURL)/metrics"])
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.bodyText.contains("sid_ready 1"), metrics.bodyText)
        for socket in tricklers { socket.close() }
    }

    func testTheAdminPortServesOnlyProbesAndMetrics() throws {
        let harness = try ServiceHarness()
        for path in ["/v1/enhance", "/v1/models", "/"] {
            let result = try Curl.run(["\(harness.adminURL)\(path)"])
            XCTAssertEqual(result.status, 404, "\(path): \(result.bodyText)")
        }
        let upload = try Curl.run(["--data-binary", "@\(SampleRaws.small)", "\(harness.adminURL)/v1/enhance?ratio=100"])
        XCTAssertTrue([404, 413].contains(upload.status), "\(upload.status) \(upload.bodyText)")
        // The main port keeps answering the probes too.
        XCTAssertEqual(try Curl.run(["\(harness.baseURL)/healthz"]).status, 200)
        XCTAssertEqual(try Curl.run(["\(harness.baseURL)/metrics"]).status, 200)
    }

    func testProbesOnTheAdminPortAnswerDuringTheDrain() throws {
        let harness = try ServiceHarness()
        harness.service.beginDraining()
        XCTAssertThrowsError(try TestSocket(port: harness.port), "the main listener is closed")
        XCTAssertEqual(try Curl.run(["\(harness.adminURL)/healthz"]).status, 200)
        let ready = try Curl.run(["\(harness.adminURL)/readyz"])
        XCTAssertEqual(ready.status, 503)
        XCTAssertEqual(ready.header("Retry-After"), "10")
    }

    func testAdminPortSettings() throws {
        var configuration = ServiceConfiguration(cores: 2)
        XCTAssertEqual(configuration.adminPort, 9090)
        try configuration.apply(environment: ["SID_ADMIN_PORT": "9191"])
        XCTAssertEqual(configuration.adminPort, 9191)
        try configuration.apply(environment: ["SID_ADMIN_PORT": "off"])
        XCTAssertNil(configuration.adminPort)
        XCTAssertThrowsError(try configuration.apply(environment: ["SID_ADMIN_PORT": "nine"]))
        configuration.adminPort = configuration.port
        XCTAssertThrowsError(try configuration.validate())
    }
}
