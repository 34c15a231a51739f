import HTTPTypes
@testable import SIDHTTP
import XCTest

final class HTTPResponseEncoderTests: XCTestCase {
    private func head(_ response: HTTPResponse, bodyLength: Int = 0, keepAlive: Bool = true,
                      version: HTTPVersion = .http1_1) -> String {
        String(decoding: HTTPResponseEncoder.head(response, bodyLength: bodyLength, keepAlive: keepAlive,
                                                  requestVersion: version, date: "Sun, 06 Nov 1994 08:49:37 GMT"),
               as: UTF8.self)
    }

    func testServerOwnedFieldsReplaceTheHandlers() {
        var fields = HTTPFields()
        fields[.contentType] = "image/png"
        fields[.contentLength] = "999"
        fields[.transferEncoding] = "chunked"
        fields[.connection] = "upgrade"
        fields[.date] = "yesterday"
        XCTAssertEqual(head(HTTPResponse(status: .ok, headerFields: fields), bodyLength: 12),
                       "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                           + "Content-Length: 12\r\n\r\n")
    }

    func testConnectionHeaderRules() {
        XCTAssertTrue(head(HTTPResponse(status: .ok), keepAlive: false).contains("Connection: close\r\n"))
        XCTAssertFalse(head(HTTPResponse(status: .ok), keepAlive: true).contains("Connection:"))
        XCTAssertTrue(head(HTTPResponse(status: .ok), keepAlive: true, version: .http1_0).contains("Connection: keep-alive\r\n"))
    }

    func testNoContentLengthWhereContentIsNotAllowed() {
        XCTAssertFalse(head(HTTPResponse(status: .noContent)).contains("Content-Length"))
        XCTAssertFalse(head(HTTPResponse(status: .notModified)).contains("Content-Length"))
        XCTAssertTrue(head(HTTPResponse(status: .ok)).contains("Content-Length: 0\r\n"))
        XCTAssertFalse(HTTPResponseEncoder.sendsBody(status: .ok, requestMethod: .head))
        XCTAssertTrue(HTTPResponseEncoder.sendsBody(status: .ok, requestMethod: .get))
        XCTAssertFalse(HTTPResponseEncoder.sendsBody(status: .noContent, requestMethod: .get))
    }

    func testStatusWithoutReasonPhrase() {
        XCTAssertTrue(head(HTTPResponse(status: 299)).hasPrefix("HTTP/1.1 299 \r\n"))
    }

    func testDateFormat() {
        XCTAssertEqual(HTTPDate.string(secondsSince1970: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.string(secondsSince1970: 0), "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
