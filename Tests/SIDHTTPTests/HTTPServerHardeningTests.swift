import Foundation
import SIDHTTP
import SIDTestSupport
import XCTest

/// Hostile and broken clients over raw sockets: smuggling attempts, limits, slow clients, vanishing clients.
final class HTTPServerHardeningTests: ServerTestCase {
    private func rejection(of request: String, server: HTTPServer) throws -> (head: String, problem: [String: Any]?, closed: Bool) {
        let client = try TestSocket(port: server.port)
        try client.send(request)
        let result = client.readUntilClosed(timeout: 3)
        let text = String(decoding: result.bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\r\n\r\n")
        let problem = parts.count > 1 ? try? JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any] : nil
        return (parts[0], problem, result.closed)
    }

    func testSmugglingAttemptsAreRefusedAndClosed() throws {
        let server = try startServer()
        let cases: [(String, Int)] = [
            ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 40\r\n\r\nabcdGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
            ("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n Transfer-Encoding: chunked\r\n\r\nabcd", 400),
            ("GET /healthz HTTP/1.1\nHost: t\n\n", 400),
            ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}\u{00}\u{01}\u{fc}\u{03}\u{03}\r\n\r\n", 400),
            ("GET /healthz HTTP/1.1\r\n\r\n", 400),
            ("GET /healthz HTTP/3.0\r\nHost: t\r\n\r\n", 505),
            ("POST /echo HTTP/1.1\r\nHost: t\r\n\r\n", 411),
            ("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: \(String(repeating: "x", count: 40 * 1024))\r\n\r\n", 431),
            ("GET /\(String(repeating: "x", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", 414),
            ("GET /healthz HTTP/1.1\r\nHost: t\r\n\((0 ..< 101).map { "X-\($0): 1\r\n" }.joined())\r\n", 431),
        ]
        for (request, status) in cases {
            let result = try rejection(of: request, server: server)
            XCTAssertTrue(result.head.hasPrefix("HTTP/1.1 \(status) "), "\(request.prefix(60).debugDescription): \(result.head)")
            XCTAssertTrue(result.head.contains("Content-Type: application/problem+json"), result.head)
            XCTAssertTrue(result.head.contains("Connection: close"), result.head)
            XCTAssertEqual(result.problem?["status"] as? Int, status)
            XCTAssertFalse((result.problem?["detail"] as? String ?? "").isEmpty)
            XCTAssertTrue(result.closed, "the connection must be closed after \(status)")
        }
        XCTAssertTrue(handler.handledPaths.isEmpty, "no smuggled request may reach the handler: \(handler.handledPaths)")
    }

    func testBodyLimitFromConfigurationIs413() throws {
        let server = try startServer { $0.limits.maxBodyBytes = 1000 }
        let result = try rejection(of: "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n", server: server)
        XCTAssertTrue(result.head.hasPrefix("HTTP/1.1 413 Content Too Large\r\n"), result.head)
        let chunked = try rejection(of: "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n"
            + String(repeating: "a", count: 1001), server: server)
        XCTAssertTrue(chunked.head.hasPrefix("HTTP/1.1 413 "), chunked.head)
    }

    func testSlowClientsDoNotBlockOthersAndGet408() throws {
        try requireCurl()
        let server = try startServer { $0.headerReadTimeout = .milliseconds(1500) }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: 1\r\n".utf8)
        let slowClients = try (0 ..< 20).map { _ in try TestSocket(port: server.port) }
        let dribbling = Thread {
            for index in 0 ..< 10 {
                for client in slowClients { try? client.send([request[index]]) }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        dribbling.start()
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertEqual(server.activeConnectionCount, 20)
        let result = try Curl.run(["--write-out", "\n%{time_total}", url(server, "/healthz")])
        XCTAssertEqual(result.output.split(separator: "\n").first, "ok")
        XCTAssertLessThan(try XCTUnwrap(result.output.split(separator: "\n").last.flatMap { Double($0) }), 0.5)

        for client in slowClients {
            let response = client.readUntilClosed(timeout: 3)
            let text = String(decoding: response.bytes, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), text)
            XCTAssertTrue(response.closed)
        }
        XCTAssertTrue(eventually { server.activeConnectionCount == 0 })
    }

    func testIdleConnectionWithoutRequestIsClosedSilently() throws {
        let server = try startServer { $0.headerReadTimeout = .milliseconds(300) }
        let client = try TestSocket(port: server.port)
        let result = client.readUntilClosed(timeout: 3)
        XCTAssertTrue(result.closed)
        XCTAssertEqual(result.bytes, [], "a connection that never sent anything gets no 408")
    }

    func testKeepAliveIdleTimeoutClosesSilently() throws {
        let server = try startServer { $0.keepAliveIdleTimeout = .milliseconds(300) }
        let client = try TestSocket(port: server.port)
        try client.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(client.read(until: "ok", timeout: 3).hasSuffix("ok"))
        let start = Date()
        let rest = client.readUntilClosed(timeout: 3)
        XCTAssertTrue(rest.closed)
        XCTAssertEqual(rest.bytes, [])
        XCTAssertLessThan(Date().timeIntervalSince(start), 1.5)
    }

    func testStalledBodyGets408() throws {
        let server = try startServer { $0.bodyIdleTimeout = .milliseconds(400) }
        let client = try TestSocket(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789")
        let start = Date()
        let result = client.readUntilClosed(timeout: 3)
        let text = String(decoding: result.bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), text)
        XCTAssertTrue(text.contains("stalled"), text)
        XCTAssertTrue(result.closed)
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testSlowBodyHitsTheTotalBodyTimeout() throws {
        let server = try startServer {
            $0.bodyIdleTimeout = .seconds(5)
            $0.bodyTotalTimeout = .milliseconds(600)
        }
        let client = try TestSocket(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n")
        for _ in 0 ..< 10 {
            try? client.send("x")
            Thread.sleep(forTimeInterval: 0.1)
        }
        let text = String(decoding: client.readUntilClosed(timeout: 3).bytes, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 408 "), text)
        XCTAssertTrue(text.contains("did not arrive within"), text)
    }

    func testClientDisconnectMidUploadFreesTheConnection() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10000000\r\n\r\n")
        try client.send([UInt8](repeating: 7, count: 1_000_000))
        XCTAssertTrue(eventually { server.activeConnectionCount == 1 && server.inFlightRequestCount == 1 })
        client.reset()
        XCTAssertTrue(eventually { server.activeConnectionCount == 0 }, "still \(server.activeConnectionCount) open")
        XCTAssertEqual(server.inFlightRequestCount, 0)
        XCTAssertFalse(handler.handledPaths.contains("/echo"))
    }

    func testHandlerSeesClientDisconnect() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("GET /wait-disconnect HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(eventually { self.handler.handledPaths.contains("/wait-disconnect") })
        Thread.sleep(forTimeInterval: 0.1)
        shutdown(client.fileDescriptor, Int32(SHUT_RDWR))
        XCTAssertEqual(handler.disconnectNoticed.wait(timeout: .now() + 2), .success)
        XCTAssertTrue(eventually { server.activeConnectionCount == 0 })
    }

    func testMaxConnectionsAnswers503() throws {
        try requireCurl()
        let server = try startServer { $0.maxConnections = 2 }
        let holders = try (0 ..< 2).map { _ in try TestSocket(port: server.port) }
        for holder in holders { try holder.send("GET /healthz HTTP/1.1\r\n") }
        XCTAssertTrue(eventually { server.activeConnectionCount == 2 })
        let result = try Curl.run(["--include", "--write-out", "\n%{time_total}", url(server, "/healthz")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.output.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), result.output)
        XCTAssertTrue(result.output.contains("Retry-After: 1\r\n"), result.output)
        XCTAssertTrue(result.output.contains("\"status\":503"), result.output)
        XCTAssertLessThan(try XCTUnwrap(result.output.split(separator: "\n").last.flatMap { Double($0) }), 0.5)
        XCTAssertEqual(server.acceptedConnectionCount, 2)

        for holder in holders { try holder.send("Host: t\r\n\r\n") }
        for holder in holders { XCTAssertTrue(holder.read(until: "ok", timeout: 3).hasSuffix("ok")) }
    }

    func testStalledReaderHitsTheWriteTimeout() throws {
        let server = try startServer { $0.writeTimeout = .milliseconds(300) }
        let client = try TestSocket(port: server.port, receiveBufferSize: 4096)
        try client.send("GET /big HTTP/1.1\r\nHost: t\r\n\r\n")
        // The client never reads; 32 MB cannot fit in the socket buffers, so the server must give up.
        XCTAssertTrue(eventually(timeout: 5) { server.activeConnectionCount == 0 })
        XCTAssertTrue(eventually { self.records.all.first?.status == 200 })
        XCTAssertLessThan(records.all.first?.bytesOut ?? .max, 32 * 1024 * 1024)
    }
}
