import HTTPTypes
import SIDHTTP
import XCTest

final class ProblemDetailsTests: XCTestCase {
    func testJSONShapeAndMediaType() throws {
        let problem = ProblemDetails(status: .contentTooLarge, detail: "The upload is larger than 64 MB.")
        let response = problem.response()
        XCTAssertEqual(response.head.status.code, 413)
        XCTAssertEqual(response.head.headerFields[.contentType], "application/problem+json")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        XCTAssertEqual(object["type"] as? String, "about:blank")
        XCTAssertEqual(object["title"] as? String, "Content Too Large")
        XCTAssertEqual(object["status"] as? Int, 413)
        XCTAssertEqual(object["detail"] as? String, "The upload is larger than 64 MB.")
        XCTAssertNil(object["instance"])
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self),
                       "{\"type\":\"about:blank\",\"title\":\"Content Too Large\",\"status\":413,\"detail\":\"The upload is larger than 64 MB.\"}")
    }

    func testEscapingSurvivesJSONParsing() throws {
        let detail = "quote \" backslash \\ newline \n tab \t bell \u{07} unicode é 😀 \u{2028}"
        let problem = ProblemDetails(type: "https://sid.example/problems/x", title: "T", status: 422, detail: detail,
                                     instance: "/jobs/1")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(problem.jsonBytes)) as? [String: Any])
        XCTAssertEqual(object["detail"] as? String, detail)
        XCTAssertEqual(object["instance"] as? String, "/jobs/1")
        XCTAssertEqual(object["type"] as? String, "https://sid.example/problems/x")
    }

    func testExtraHeaderFieldsAreKept() {
        var fields = HTTPFields()
        fields[.retryAfter] = "5"
        let response = ProblemDetails(status: .serviceUnavailable, detail: "busy").response(headerFields: fields)
        XCTAssertEqual(response.head.headerFields[.retryAfter], "5")
        XCTAssertEqual(response.head.status.reasonPhrase, "Service Unavailable")
    }
}
