import Foundation
import HTTPTypes
import Logging
import SIDHTTP
@testable import SIDService
import SIDRaw
import SIDSockets
import SIDTestSupport
import XCTest

/// The handler's three stages without a server: the exchange `head` makes is the one `finished` logs.
final class ServiceHandlerTests: XCTestCase {
    private let log = LogCapture()
    private let metrics = ServiceMetrics()
    private let connection = ConnectionContext(fileDescriptor: -1, remoteAddress: SocketAddress(host: "127.0.0.1", port: 4000))

    private func handler() -> ServiceHandler {
        let log = log
        return ServiceHandler(state: ServiceState(), metrics: metrics, queueTimeout: .seconds(1),
                              logger: Logger(label: "test") { _ in log.handler() })
    }

    private func request(_ method: HTTPRequest.Method, _ path: String, id: String? = nil) -> HTTPRequest {
        var head = HTTPRequest(method: method, scheme: "http", authority: "t", path: path)
        if let id { head.headerFields[ServiceHeaders.requestID] = id }
        return head
    }

    private func record(_ head: HTTPRequest?, status: Int) -> HTTPExchangeRecord {
        HTTPExchangeRecord(method: head?.method, path: head?.path, status: status, bytesIn: 50, bytesOut: 200,
                           duration: .milliseconds(2), remoteAddress: SocketAddress(host: "127.0.0.1", port: 4000))
    }

    func testInterleavedExchangesKeepTheirOwnRequestIDsAndDetails() throws {
        let handler = handler()
        let first = request(.get, "/nowhere", id: "first")
        let second = request(.delete, "/healthz", id: "second")
        guard case let .answer(firstResponse, firstExchange) = handler.head(first, connection: connection),
              case let .answer(secondResponse, secondExchange) = handler.head(second, connection: connection) else {
            return XCTFail("an unknown path and a wrong method are answered from the head")
        }
        XCTAssertEqual(firstResponse.head.headerFields[ServiceHeaders.requestID], "first")
        XCTAssertEqual(secondResponse.head.status.code, 405)
        // Told in the other order, as two connections' threads might.
        handler.finished(secondExchange, record: record(second, status: 405))
        handler.finished(firstExchange, record: record(first, status: 404))
        let lines = log.requests
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines[0]["request_id"], "second")
        XCTAssertEqual(lines[0]["status"], "405")
        XCTAssertEqual(lines[0]["method"], "DELETE")
        XCTAssertEqual(lines[1]["request_id"], "first")
        XCTAssertEqual(lines[1]["path"], "/nowhere")
        XCTAssertTrue(lines[1]["detail"]?.description.contains("/nowhere") ?? false, "\(lines[1])")
    }

    func testTheExchangeCarriesTheRouteFromHeadToRespond() throws {
        let handler = handler()
        let head = request(.get, "/healthz?probe=1", id: "probe-7")
        guard case var .readBody(exchange) = handler.head(head, connection: connection) else {
            return XCTFail("GET /healthz is read and answered")
        }
        XCTAssertEqual(exchange.route, .health)
        XCTAssertNil(exchange.enhance, "only POST /v1/enhance parses an enhancement request")
        let message = HTTPRequestMessage(head: head, remoteAddress: SocketAddress(host: "127.0.0.1", port: 4000))
        let response = handler.respond(to: message, exchange: &exchange, connection: connection)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "ok\n")
        XCTAssertEqual(response.head.headerFields[ServiceHeaders.requestID], "probe-7")
        handler.finished(exchange, record: record(head, status: 200))
        XCTAssertEqual(log.requests.last?["request_id"], "probe-7")
        let values = ServiceHarness.parse(exposition: String(decoding: metrics.exposition(), as: UTF8.self))
        XCTAssertEqual(values["sid_http_requests_total{route=\"/healthz\",status=\"200\"}"], 1)
    }

    func testMetricsReadTheServersInFlightCountFromTheConnectionNotFromAServerReference() throws {
        let handler = handler()
        let busy = ConnectionContext(fileDescriptor: -1, remoteAddress: SocketAddress(host: "127.0.0.1", port: 4000),
                                     requestsInFlight: { 3 })
        let head = request(.get, "/metrics")
        guard case var .readBody(exchange) = handler.head(head, connection: busy) else {
            return XCTFail("GET /metrics is read and answered")
        }
        let message = HTTPRequestMessage(head: head, remoteAddress: SocketAddress(host: "127.0.0.1", port: 4000))
        let response = handler.respond(to: message, exchange: &exchange, connection: busy)
        let values = ServiceHarness.parse(exposition: String(decoding: response.body, as: UTF8.self))
        XCTAssertEqual(values["sid_http_requests_in_flight"], 3)
    }

    func testTheServersOwnAnswersAreLoggedAndCountedWithoutAnExchange() {
        handler().finished(nil, record: record(nil, status: 400))
        let line = log.requests.last
        XCTAssertEqual(line?["status"], "400")
        XCTAssertEqual(line?["method"], "-")
        XCTAssertEqual(line?["request_id"]?.description.count, 16, "a fresh id")
        XCTAssertNil(line?["detail"])
        let values = ServiceHarness.parse(exposition: String(decoding: metrics.exposition(), as: UTF8.self))
        XCTAssertEqual(values["sid_http_requests_total{route=\"unparsed\",status=\"400\"}"], 1)
    }

    func testAnEnhanceRequestKeepsItsQueryAndAddsOnlyTheFormFields() throws {
        var head = HTTPRequest(method: .post, scheme: "http", authority: "t", path: "/v1/enhance?ratio=100")
        head.headerFields[.contentType] = "multipart/form-data; boundary=b"
        let request = try EnhanceRequest(head: head, models: ["sid-sony"])
        XCTAssertEqual(request.uploadKind, .multipart)
        let form = Array(("--b\r\nContent-Disposition: form-data; name=bits\r\n\r\n16\r\n"
            + "--b\r\nContent-Disposition: form-data; name=file; filename=x.ARW\r\n\r\nRAW!\r\n--b--\r\n").utf8)
        var ignored: [String] = []
        let upload = try request.upload(body: form, models: ["sid-sony"], ignored: &ignored)
        XCTAssertEqual(Array(upload.raw), Array("RAW!".utf8))
        XCTAssertEqual(upload.options.bits, 16)
        XCTAssertEqual(upload.options.ratio, .fixed(100), "the query parsed at the head still counts")
        let repeated = Array(("--b\r\nContent-Disposition: form-data; name=ratio\r\n\r\n50\r\n"
            + "--b\r\nContent-Disposition: form-data; name=file; filename=x.ARW\r\n\r\nRAW!\r\n--b--\r\n").utf8)
        XCTAssertThrowsError(try request.upload(body: repeated, models: ["sid-sony"], ignored: &ignored)) {
            XCTAssertTrue("\($0)".contains("more than once"), "\($0)")
        }

        var notRaw = head
        notRaw.headerFields[.contentType] = "image/jpeg"
        XCTAssertThrowsError(try EnhanceRequest(head: notRaw, models: ["sid-sony"])) {
            guard case .unsupportedMediaType = $0 as? ServiceError else { return XCTFail("\($0)") }
        }
    }
}
