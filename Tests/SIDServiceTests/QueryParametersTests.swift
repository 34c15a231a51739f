@testable import SIDService
import XCTest

final class QueryParametersTests: XCTestCase {
    func testDecodesPairsInOrder() throws {
        let query = try QueryParameters(target: "/v1/enhance?ratio=100&model=sid%2Dsony&note=a+b&flag")
        XCTAssertEqual(query.pairs.map(\.name), ["ratio", "model", "note", "flag"])
        XCTAssertEqual(query.pairs.map(\.value), ["100", "sid-sony", "a b", ""])
    }

    func testNoQueryMeansNoPairs() throws {
        XCTAssertTrue(try QueryParameters(target: "/v1/enhance").pairs.isEmpty)
        XCTAssertTrue(try QueryParameters(target: "/v1/enhance?").pairs.isEmpty)
    }

    func testBrokenPercentEncodingIsABadRequest() {
        XCTAssertThrowsError(try QueryParameters(target: "/x?ratio=%zz")) { error in
            guard case let .badRequest(text)? = error as? ServiceError else { return XCTFail("\(error)") }
            XCTAssertTrue(text.contains("percent-encoded"), text)
        }
    }

    func testPathDropsTheQuery() {
        XCTAssertEqual(QueryParameters.path(of: "/v1/enhance?ratio=1"), "/v1/enhance")
        XCTAssertEqual(QueryParameters.path(of: "/healthz"), "/healthz")
    }
}
