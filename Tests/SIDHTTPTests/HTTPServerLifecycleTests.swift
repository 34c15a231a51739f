import Foundation
import SIDHTTP
import SIDSockets
import SIDTestSupport
import XCTest

/// Start, drain and stop.
final class HTTPServerLifecycleTests: ServerTestCase {
    func testPortZeroPicksAPort() throws {
        let first = try startServer()
        let second = try startServer()
        XCTAssertGreaterThan(first.port, 0)
        XCTAssertNotEqual(first.port, second.port)
    }

    func testStartingTwiceIsAnError() throws {
        let server = try startServer()
        XCTAssertThrowsError(try server.start()) { XCTAssertEqual($0 as? SocketError, .alreadyStarted) }
    }

    func testBindingABusyPortFails() throws {
        let server = try startServer()
        let other = HTTPServer(configuration: .init(host: "127.0.0.1", port: server.port), handler: handler)
        XCTAssertThrowsError(try other.start()) { error in
            guard case .bindFailed = error as? SocketError else { return XCTFail("unexpected \(error)") }
            XCTAssertTrue("\(error)".contains("Address already in use"), "\(error)")
        }
    }

    func testIPv6Loopback() throws {
        let configuration = HTTPServer.Configuration(host: "::1", port: 0)
        let server = HTTPServer(configuration: configuration, handler: handler)
        do {
            try server.start()
        } catch {
            throw XCTSkip("IPv6 loopback is not available: \(error)")
        }
        defer { server.stop() }
        try requireCurl()
        let result = try Curl.run(["http://[::1]:\(server.port)/healthz"])
        XCTAssertEqual(result.output, "ok", result.stderr)
    }

    func testDrainingFinishesInFlightRequestsAndClosesTheListener() throws {
        try requireCurl()
        let server = try startServer()
        let slow = try Curl.start(["--include", url(server, "/sleep?ms=700")])
        XCTAssertTrue(eventually { server.inFlightRequestCount == 1 })
        let idle = try TestSocket(port: server.port)
        XCTAssertTrue(eventually { server.activeConnectionCount == 2 })

        server.beginDraining()
        XCTAssertTrue(server.isDraining)
        XCTAssertThrowsError(try TestSocket(port: server.port), "the listener must be closed")
        XCTAssertTrue(idle.readUntilClosed(timeout: 2).closed, "idle connections close at once")

        XCTAssertTrue(server.waitUntilIdle(timeout: .seconds(3)))
        let result = try slow.finish()
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.output.hasPrefix("HTTP/1.1 200 OK\r\n"), result.output)
        XCTAssertTrue(result.output.contains("Connection: close\r\n"), result.output)
        XCTAssertTrue(result.output.hasSuffix("slept"), result.output)
        XCTAssertEqual(server.activeConnectionCount, 0)
    }

    func testWaitUntilIdleTimesOut() throws {
        try requireCurl()
        let server = try startServer()
        let slow = try Curl.start(["--output", "/dev/null", url(server, "/sleep?ms=600")])
        XCTAssertTrue(eventually { server.inFlightRequestCount == 1 })
        XCTAssertFalse(server.waitUntilIdle(timeout: .milliseconds(100)))
        XCTAssertTrue(server.waitUntilIdle(timeout: .seconds(3)))
        _ = try slow.finish()
    }

    func testStopClosesKeptAliveConnections() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(client.read(until: "ok", timeout: 3).hasSuffix("ok"))
        server.stop()
        XCTAssertTrue(client.readUntilClosed(timeout: 2).closed)
        XCTAssertTrue(eventually { server.activeConnectionCount == 0 })
        XCTAssertThrowsError(try TestSocket(port: server.port))
    }
}
