import Foundation
import Logging
@testable import SIDService
import SIDTestSupport
import XCTest

/// Log lines cannot be forged by the values clients choose, in either format.
final class ServiceLogHandlerTests: XCTestCase {
    private let date = Date(timeIntervalSince1970: 1_800_000_000)

    func testTextEscapesLineBreaksAndControlCharactersInValuesAndMessages() {
        let handler = ServiceLogHandler(label: "sid.serve", format: .text, level: .info) { _ in }
        let line = handler.line(level: .info, message: "request\nforged", metadata: [
            "detail": "unknown model \"x\n2026-01-01T00:00:00Z info sid.serve: status=200 [SIDService] request\"",
            "path": "/v1/enhance?a=\u{1b}[31m\r\u{2028}\\",
        ], source: "SIDService", date: date)
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1, line)
        XCTAssertTrue(line.hasSuffix("\n"))
        XCTAssertTrue(line.contains("detail=unknown model \"x\\n2026-01-01"), line)
        XCTAssertTrue(line.contains("path=/v1/enhance?a=\\u{1b}[31m\\r\\u{2028}\\\\"), line)
        XCTAssertTrue(line.contains("[SIDService] request\\nforged"), line)
        XCTAssertTrue(line.hasPrefix("2027-01-15T08:00:00Z info sid.serve: detail="), line)
    }

    func testJSONIsOneObjectPerLine() throws {
        let handler = ServiceLogHandler(label: "sid.serve", format: .json, level: .info) { _ in }
        let line = handler.line(level: .notice, message: "request", metadata: ["ratio": "1\n{\"forged\":1}", "status": "400"],
                                source: "SIDService", date: date)
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1, line)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        XCTAssertEqual(object["ratio"], "1\n{\"forged\":1}")
        XCTAssertEqual(object["status"], "400")
        XCTAssertEqual(object["level"], "notice")
        XCTAssertEqual(object["message"], "request")
        XCTAssertEqual(object["time"], "2027-01-15T08:00:00Z")
    }

    func testLogFormatSetting() throws {
        var configuration = ServiceConfiguration(cores: 2)
        XCTAssertEqual(configuration.logFormat, .text)
        try configuration.apply(environment: ["SID_LOG_FORMAT": "JSON"])
        XCTAssertEqual(configuration.logFormat, .json)
        XCTAssertThrowsError(try configuration.apply(environment: ["SID_LOG_FORMAT": "xml"]))
    }
}
