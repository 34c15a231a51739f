import Foundation
import HTTPTypes
import SIDHTTP
import SIDTestSupport
import XCTest

/// The server seen through curl: what real clients do with uploads, keep-alive and Expect.
final class HTTPServerTests: ServerTestCase {
    func testGet() throws {
        try requireCurl()
        let server = try startServer()
        let result = try Curl.run(["--include", url(server, "/healthz")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.output.hasPrefix("HTTP/1.1 200 OK\r\n"), result.output)
        XCTAssertTrue(result.output.contains("\r\nContent-Length: 2\r\n"), result.output)
        XCTAssertTrue(result.output.contains("\r\nDate: "), result.output)
        XCTAssertTrue(result.output.contains("GMT\r\n"), result.output)
        XCTAssertTrue(result.output.hasSuffix("\r\n\r\nok"), result.output)
    }

    func testHeadHasHeadersButNoBody() throws {
        try requireCurl()
        let server = try startServer()
        let result = try Curl.run(["--head", url(server, "/healthz")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.output.contains("Content-Length: 2\r\n"), result.output)
        XCTAssertTrue(result.output.hasSuffix("\r\n\r\n"), result.output)

        // On one connection: if HEAD leaked a body, the next response would be misread.
        let client = try TestSocket(port: server.port)
        try client.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let responses = client.read(until: "ok", timeout: 3)
        XCTAssertEqual(responses.components(separatedBy: "HTTP/1.1 200 OK").count, 3, responses)
        XCTAssertTrue(responses.hasSuffix("\r\n\r\nok"), responses)
    }

    func testLargePostHasNoExpectStall() throws {
        try requireCurl()
        let server = try startServer()
        let file = try temporaryFile(size: 5 * 1024 * 1024)
        let result = try Curl.run(["--data-binary", "@\(file.path)", "-H", "Content-Type: application/octet-stream",
                                   "--write-out", "\n%{http_code} %{time_total}", url(server, "/echo")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.output.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init),
                       "length=\(file.bytes.count) fnv=\(TestHandler.fnv1a(file.bytes[...])) expect=100-continue trailer=none")
        let timing = lines.last?.split(separator: " ") ?? []
        XCTAssertEqual(timing.first, "200")
        let seconds = try XCTUnwrap(timing.last.flatMap { Double($0) })
        // curl waits 1 s for "100 Continue" before sending anyway; well under that means we answered it.
        XCTAssertLessThan(seconds, 0.8, "curl stalled on Expect: 100-continue")
    }

    func testMultipartUploadHasNoExpectStall() throws {
        try requireCurl()
        let server = try startServer()
        let file = try temporaryFile(size: 3 * 1024 * 1024)
        let result = try Curl.run(["-F", "file=@\(file.path);filename=shot.ARW", "-F", "ratio=100",
                                   "--write-out", "\n%{time_total}", url(server, "/upload")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.output.split(separator: "\n")
        XCTAssertEqual(lines.first.map(String.init),
                       "parts=2 filename=shot.ARW length=\(file.bytes.count) fnv=\(TestHandler.fnv1a(file.bytes[...])) expect=100-continue")
        let seconds = try XCTUnwrap(lines.last.flatMap { Double($0) })
        XCTAssertLessThan(seconds, 0.8, "curl stalled on Expect: 100-continue")
    }

    func testKeepAliveReusesTheConnection() throws {
        try requireCurl()
        let server = try startServer()
        let result = try Curl.run(["--output", "/dev/null", "--output", "/dev/null", "--write-out", "%{num_connects}\n",
                                   url(server, "/healthz"), url(server, "/healthz")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertEqual(result.output.split(separator: "\n"), ["1", "0"])
        XCTAssertEqual(server.acceptedConnectionCount, 1)
    }

    func testChunkedUpload() throws {
        try requireCurl()
        let server = try startServer()
        let file = try temporaryFile(size: 1_500_000)
        let result = try Curl.run(["-H", "Transfer-Encoding: chunked", "--data-binary", "@\(file.path)",
                                   "--write-out", "\n%{time_total}", url(server, "/echo")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.output.hasPrefix("length=\(file.bytes.count) fnv=\(TestHandler.fnv1a(file.bytes[...])) "),
                      result.output)
        let seconds = try XCTUnwrap(result.output.split(separator: "\n").last.flatMap { Double($0) })
        XCTAssertLessThan(seconds, 0.8)
    }

    func testEarlyRejectionWithExpectSkipsTheBody() throws {
        try requireCurl()
        let server = try startServer()
        let file = try temporaryFile(size: 5 * 1024 * 1024)
        let result = try Curl.run(["--data-binary", "@\(file.path)", "--write-out", "\n%{http_code} %{time_total} %{size_upload}",
                                   url(server, "/limited")])
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        let lines = result.output.split(separator: "\n")
        let body = try XCTUnwrap(lines.first)
        let problem = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        XCTAssertEqual(problem["status"] as? Int, 413)
        let timing = lines.last?.split(separator: " ") ?? []
        XCTAssertEqual(timing.first, "413")
        XCTAssertLessThan(try XCTUnwrap(Double(timing[1])), 0.8)
        XCTAssertEqual(timing.last, "0", "curl must not have uploaded the body")
        XCTAssertFalse(handler.handledPaths.contains("/limited"))
    }

    func testEarlyRejectionOfARequestWithoutBodyKeepsTheConnection() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("GET /missing HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        let responses = client.read(until: "\r\n\r\nok", timeout: 3)
        XCTAssertTrue(responses.hasPrefix("HTTP/1.1 404 Not Found\r\n"), responses)
        XCTAssertTrue(responses.contains("HTTP/1.1 200 OK\r\n"), responses)
    }

    func testProblemJSONForServerErrors() throws {
        try requireCurl()
        let server = try startServer()
        let result = try Curl.run(["--include", "-X", "POST", url(server, "/echo")]) // POST without a body: 411
        XCTAssertEqual(result.exitCode, 0, result.stderr)
        XCTAssertTrue(result.output.hasPrefix("HTTP/1.1 411 Length Required\r\n"), result.output)
        XCTAssertTrue(result.output.contains("Content-Type: application/problem+json\r\n"), result.output)
        XCTAssertTrue(result.output.contains("Connection: close\r\n"), result.output)
        let body = try XCTUnwrap(result.output.components(separatedBy: "\r\n\r\n").last)
        let problem = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        XCTAssertEqual(problem["type"] as? String, "about:blank")
        XCTAssertEqual(problem["title"] as? String, "Length Required")
        XCTAssertEqual(problem["status"] as? Int, 411)
        XCTAssertEqual(problem["detail"] as? String,
                       "A POST request must declare its body length with Content-Length or chunked Transfer-Encoding.")
    }

    func testTheHandlerIsToldOfEveryExchange() throws {
        try requireCurl()
        let server = try startServer()
        _ = try Curl.run(["--output", "/dev/null", "--data-binary", "hello", url(server, "/echo")])
        _ = try Curl.run(["--output", "/dev/null", url(server, "/nowhere")])
        XCTAssertTrue(eventually { self.records.all.count == 2 })
        let records = records.all
        XCTAssertEqual(records[0].method, .post)
        XCTAssertEqual(records[0].path, "/echo")
        XCTAssertEqual(records[0].status, 200)
        XCTAssertGreaterThan(records[0].bytesIn, 5 + 40)
        XCTAssertGreaterThan(records[0].bytesOut, 60)
        XCTAssertEqual(records[0].remoteAddress.host, "127.0.0.1")
        XCTAssertGreaterThan(records[0].duration, .zero)
        XCTAssertEqual(records[1].status, 404)
        XCTAssertEqual(records[1].path, "/nowhere")
    }

    func testOneExchangeValueTravelsFromHeadToRespondToFinished() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /missing HTTP/1.1\r\nHost: t\r\n\r\n"
            + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        _ = client.read(until: "\r\n\r\nok", timeout: 3)
        try client.send("GET / HTTP/2.0\r\n\r\n")
        _ = client.readUntilClosed(timeout: 3)
        XCTAssertTrue(eventually { self.records.exchanges.count == 4 })
        let told = records.exchanges
        // The value `head` made reached `respond` (which filled in the status) and then `finished`.
        XCTAssertEqual(told[0].exchange?.route, "/echo")
        XCTAssertEqual(told[0].exchange?.respondedWith, 200)
        // An early answer never reaches `respond`, but its exchange is still handed to `finished`.
        XCTAssertEqual(told[1].exchange?.route, "/missing")
        XCTAssertNil(told[1].exchange?.respondedWith)
        XCTAssertEqual(told[1].record.status, 404)
        XCTAssertEqual(told[2].exchange?.respondedWith, 200)
        XCTAssertEqual(Set(told.prefix(3).compactMap { $0.exchange?.serial }).count, 3, "one value per request")
        // A head the server could not parse has no exchange.
        XCTAssertNil(told[3].exchange)
        XCTAssertEqual(told[3].record.status, 505)
    }

    func testHTTP10KeepAlive() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = client.read(until: "ok", timeout: 3)
        XCTAssertTrue(first.contains("Connection: keep-alive\r\n"), first)
        try client.send("GET /healthz HTTP/1.0\r\n\r\n")
        let second = client.readUntilClosed(timeout: 3)
        XCTAssertTrue(second.closed, "an HTTP/1.0 request without keep-alive ends the connection")
        XCTAssertTrue(String(decoding: second.bytes, as: UTF8.self).contains("Connection: close\r\n"))
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let server = try startServer()
        let client = try TestSocket(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /sleep?ms=50 HTTP/1.1\r\nHost: t\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nX-Checksum: 7\r\n\r\n")
        let responses = client.read(until: "trailer=7", timeout: 3)
        let order = ["length=3 fnv=", "slept", "length=1 fnv="].map { responses.range(of: $0)?.lowerBound }
        XCTAssertFalse(order.contains(nil), responses)
        XCTAssertTrue(order[0]! < order[1]! && order[1]! < order[2]!, responses)
        XCTAssertTrue(responses.contains("trailer=7"), responses)
        XCTAssertEqual(server.acceptedConnectionCount, 1)
    }
}
